# Lab variant "wide": 4 providers x 16 clients (64 pairs), for the matrix and for the decision
# cost against the number of pairs. Two switches, each with 2 NVMe (16 MiB CMB) and 8 edu on
# its downstream ports; pairs within a switch are P2P, pairs across them are refused.
# Prints QEMU device arguments, one per line.
for s in 1 2; do
	echo "-device pcie-root-port,id=rp$s,bus=pcie.0,chassis=$s,slot=$s,addr=0x$((s + 3))"
	echo "-device x3130-upstream,id=sw$s,bus=rp$s"
	for p in 0 1 2 3 4 5 6 7 8 9; do
		c=$((s * 10 + p))
		echo "-device xio3130-downstream,id=sw${s}d$p,bus=sw$s,chassis=$c,slot=$c"
		if [ $p -lt 2 ]; then
			echo "-device nvme,serial=p2pmap$s$p,cmb_size_mb=16,bus=sw${s}d$p"
		else
			echo "-device edu,dma_mask=0xffffffffffffffff,bus=sw${s}d$p"
		fi
	done
done
echo "append p2pmap_edu.dma_bits=64"
