# Lab variant "switch" (docs/lab.md): prints QEMU device arguments, one per line.
#
#   pcie.0 -- rp1 -- x3130 upstream --+-- dn1: nvme, 64 MiB CMB   (provider A)
#          |                          +-- dn2: edu                (client behind the switch)
#          +- rp2 -- nvme, 64 MiB CMB                             (provider B)
#          +- edu                                                 (root-complex client)
# slub_debug: poison and red zones on p2pmap's mapping cache, so that a mapping used after it
# was freed reads 0x6b (t_safety's races) without a KASAN build; not on the benchmark kernel
# (BENCH=1), where it would take every mapping through SLUB's slow, checking path.
cat <<'ARGS'
-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=0x4
-device x3130-upstream,id=up1,bus=rp1
-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=1
-device nvme,serial=p2pmapA,cmb_size_mb=64,bus=dn1
-device xio3130-downstream,id=dn2,bus=up1,chassis=3,slot=2
-device edu,dma_mask=0xffffffffffffffff,bus=dn2
-device pcie-root-port,id=rp2,bus=pcie.0,chassis=4,slot=4,addr=0x5
-device nvme,serial=p2pmapB,cmb_size_mb=64,bus=rp2
-device edu,dma_mask=0xffffffffffffffff,bus=pcie.0,addr=0x6
append p2pmap_edu.dma_bits=64
ARGS
[ "${BENCH:-0}" = 1 ] || echo "append slub_debug=FZP,p2pmap_mapping"
