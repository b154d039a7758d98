#!/bin/sh
# The lab demo (make demo): load the modules, show the topology, move data with the built-in
# rule, attach a BPF policy with bpftool, move the same data again, show the decisions.
out=/mnt/out/demo.txt
pin=/sys/fs/bpf/p2pmap
{
	echo "== p2pmap lab: PCI topology"
	lspci -tv | grep -v -e Virtio -e ICH9 -e DRAM -e 82574L -e 1234:1111
	echo
	echo "== Loading p2pmap.ko and p2pmap_edu.ko"
	insmod kernel/p2pmap.ko && insmod kernel/p2pmap_edu.ko || exit 1
	echo "p2pmap $(cat /sys/kernel/p2pmap/version), policy: $(cat /sys/kernel/p2pmap/policy)"
	build/tests/demo "Built-in rule: P2P wherever the kernel's topology check allows it" || exit 1

	echo
	echo "== Attaching a policy: bpftool struct_ops register bpf/size_threshold.bpf.o $pin"
	mkdir -p $pin
	# bpftool 7.5 attaches and pins, then crashes printing a module struct_ops' name.
	bpftool struct_ops register bpf/size_threshold.bpf.o $pin >/dev/null 2>&1
	echo "policy: $(cat /sys/kernel/p2pmap/policy); state: $(cat /sys/kernel/p2pmap/policy_state)"
	[ -e $pin/size_threshold ] || exit 1
	build/tests/demo "Policy size_threshold: a provider's part of a mapping under 64 KiB bounces" ||
		exit 1
	rm $pin/size_threshold
} >"$out" 2>&1
rc=$?
sleep 0.5
rmmod p2pmap_edu p2pmap
exit $rc
