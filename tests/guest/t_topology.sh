#!/bin/sh
# The guest sees the lab's PCI topology, and both NVMe CMBs are published as 64 MiB p2pmem.
. tests/lib/tap.sh
edus=$(lspci -Dn -d 1234:11e8 | cut -d' ' -f1)
nvmes=$(lspci -Dn -d 1b36:0010 | cut -d' ' -f1)
diag "edu: $(echo $edus) nvme: $(echo $nvmes)"
ok "two edu devices" [ "$(echo $edus | wc -w)" = 2 ]
ok "two NVMe controllers" [ "$(echo $nvmes | wc -w)" = 2 ]
ok "an edu on the root complex (00:06.0)" stdout_has 1234:11e8 lspci -n -s 00:06.0
sw=""; for d in $nvmes; do
	up=$(basename $(dirname $(readlink -f /sys/bus/pci/devices/$d)))
	upup=$(basename $(dirname $(dirname $(readlink -f /sys/bus/pci/devices/$d))))
	diag "$d: upstream $up, above it $upup"
	for e in $edus; do
		eup=$(basename $(dirname $(dirname $(readlink -f /sys/bus/pci/devices/$e))))
		[ "$eup" = "$upup" ] && [ "$eup" != pci0000:00 ] && sw="$d $e"
	done
done
ok "an NVMe and an edu share a PCIe switch ($sw)" [ -n "$sw" ]
for d in $nvmes; do
	p=/sys/bus/pci/devices/$d/p2pmem
	ok "$d: CMB of 64 MiB p2pmem" stdout_is 67108864 cat "$p/size"
	ok "$d: ... published" stdout_is 1 cat "$p/published"
	ok "$d is a PCIe endpoint with a link" stdout_has 'LnkSta:' lspci -vv -s "$d"
done
ok "provider A is a PCIe endpoint" stdout_has 'Express (v2) Endpoint' lspci -vv -s ${sw%% *}
done_tap
