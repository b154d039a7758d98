#!/bin/sh
# The guest sees the lab's PCI topology, and both NVMe CMBs are published as 64 MiB p2pmem.
. tests/lib/tap.sh
edus=$(lspci -Dn -d 1234:11e8 | cut -d' ' -f1)
nvmes=$(lspci -Dn -d 1b36:0010 | cut -d' ' -f1)
diag "edu: $(echo $edus) nvme: $(echo $nvmes)"
ok "[ $(echo $edus | wc -w) = 2 ]" "two edu devices"
ok "[ $(echo $nvmes | wc -w) = 2 ]" "two NVMe controllers"
ok "lspci -n -s 00:06.0 | grep -q 1234:11e8" "an edu on the root complex (00:06.0)"
sw=""; for d in $nvmes; do
	up=$(basename $(dirname $(readlink -f /sys/bus/pci/devices/$d)))
	upup=$(basename $(dirname $(dirname $(readlink -f /sys/bus/pci/devices/$d))))
	diag "$d: upstream $up, above it $upup"
	for e in $edus; do
		eup=$(basename $(dirname $(dirname $(readlink -f /sys/bus/pci/devices/$e))))
		[ "$eup" = "$upup" ] && [ "$eup" != pci0000:00 ] && sw="$d $e"
	done
done
ok "[ -n '$sw' ]" "an NVMe and an edu share a PCIe switch ($sw)"
for d in $nvmes; do
	p=/sys/bus/pci/devices/$d/p2pmem
	ok "[ \$(cat $p/size) = 67108864 ] && [ \$(cat $p/published) = 1 ]" "$d: CMB published as 64 MiB p2pmem"
	ok "lspci -vv -s $d | grep -q 'LnkSta:'" "$d is a PCIe endpoint with a link"
done
ok "lspci -vv -s ${sw%% *} | grep -q 'Express (v2) Endpoint'" "provider A is a PCIe endpoint"
done_tap
