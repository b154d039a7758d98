#!/bin/sh
# The lab demo (make demo): load the modules, show the topology, move data, show decisions.
out=/mnt/out/demo.txt
{
	echo "== p2pmap lab: PCI topology"
	lspci -tv | grep -v -e Virtio -e ICH9 -e DRAM -e 82574L -e 1234:1111
	echo
	echo "== Loading p2pmap.ko and p2pmap_edu.ko"
	insmod kernel/p2pmap.ko && insmod kernel/p2pmap_edu.ko || exit 1
	echo "p2pmap $(cat /sys/kernel/p2pmap/version), policy: $(cat /sys/kernel/p2pmap/policy)"
	build/tests/demo
} >"$out" 2>&1
rc=$?
rmmod p2pmap_edu p2pmap
exit $rc
