#!/bin/sh
# The lab demo (make demo): load the modules, start the p2ppolicy daemon with the example
# configuration, move real data through every provider/client pair, and show what an operator
# sees: devices, the rules, the per-pair table, one explain, and bpftrace watching decisions.
out=/mnt/out/demo.txt
P=build/user/p2ppolicy
conf=user/etc/p2ppolicy.conf
log=/tmp/p2ppolicy.log
bt=/tmp/decisions.txt
indent() { sed 's/^/    /'; }
. tests/lib/wait.sh
{
	echo "== The lab's PCI topology"
	lspci -tv | grep -v -e Virtio -e ICH9 -e DRAM -e 82574L -e 1234:1111
	echo
	echo "== Loading p2pmap.ko and p2pmap_edu.ko"
	insmod kernel/p2pmap.ko && insmod samples/p2pmap_edu/p2pmap_edu.ko $(sh tests/lib/modargs.sh p2pmap_edu) || exit 1
	echo "p2pmap $(cat /sys/kernel/p2pmap/version) loaded"
	echo
	echo "== p2ppolicy devices"
	$P devices | grep -v virtio-pci || exit 1
	echo
	echo "== p2ppolicy daemon --config $conf  (its log)"
	$P daemon --config $conf --pidfile /run/p2ppolicy.pid >$log 2>&1 &
	dpid=$!
	wait_until 10 grep -q 'watching PCI' $log
	indent <$log
	echo
	echo "== p2ppolicy rules list"
	$P rules list || exit 1
	echo
	echo "== bpftrace user/bpftrace/decisions.bt  (started in the background)"
	bpftrace user/bpftrace/decisions.bt >$bt 2>&1 &
	bpid=$!
	wait_until 30 grep -q '^PROVIDER' $bt
	echo
	echo "== Moving data through every pair: p2pmem -> RAM -> p2pmem by the edu DMA engine"
	build/tests/demo 16K || exit 1
	build/tests/demo 1M | tail -n +2 || exit 1
	echo
	echo "== p2ppolicy pairs"
	$P pairs || exit 1
	echo
	echo "== p2ppolicy explain 0000:03:00.0 0000:04:00.0 --size 16K"
	$P explain 0000:03:00.0 0000:04:00.0 --size 16K || exit 1
	echo
	echo "== What bpftrace saw (first decisions)"
	kill -INT $bpid; wait $bpid
	grep -v -e '^Attaching' -e '^$' -e '(explain)' $bt | head -9
	echo
	echo "== p2ppolicy status"
	$P status || exit 1
	kill $dpid; wait $dpid
	$P unload >/dev/null
} >"$out" 2>&1
rc=$?
sleep 0.5
rmmod p2pmap_edu p2pmap
exit $rc
