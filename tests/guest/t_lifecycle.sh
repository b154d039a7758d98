#!/bin/sh
# Module lifecycle: p2pmap.ko and p2pmap_edu.ko load and unload N times (default 100; the first
# argument overrides), every third cycle with a policy attached and detached, every
# twentieth with real edu DMA over all pairs; rmmod is refused while a policy holds the module.
# Afterwards the modules are loaded again for the suites that follow.
. tests/guest/tap.sh
N=${1:-100}
K=kernel
P=build/user/p2ppolicy
rmmod p2pmap_test 2>/dev/null; rmmod p2pmap_edu 2>/dev/null; rmmod p2pmap 2>/dev/null
ok "[ ! -e /sys/kernel/p2pmap ]" "start: p2pmap is not loaded"
i=0 bad="" pol=0 dma=0 refused=0
start=$(date +%s)
while [ $i -lt $N ]; do
	i=$((i + 1))
	insmod $K/p2pmap.ko && insmod $K/p2pmap_edu.ko || { bad="insmod in cycle $i"; break; }
	if [ $((i % 3)) = 0 ]; then
		$P load topology >/dev/null || { bad="load in cycle $i"; break; }
		rmmod p2pmap 2>/dev/null && { bad="rmmod with a policy attached succeeded in cycle $i"; break; }
		refused=$((refused + 1))
		$P unload >/dev/null || { bad="unload in cycle $i"; break; }
		pol=$((pol + 1))
	fi
	if [ $((i % 20)) = 0 ]; then
		build/tests/demo 8K >/tmp/lifecycle-demo.txt || { bad="transfer in cycle $i"; break; }
		dma=$((dma + 1))
	fi
	rmmod p2pmap_edu && rmmod p2pmap || { bad="rmmod in cycle $i"; break; }
	[ ! -e /sys/kernel/p2pmap ] && [ ! -e /dev/p2pmap ] || { bad="leftovers after cycle $i"; break; }
done
diag "$i cycles in $(( $(date +%s) - start )) s: $pol with a policy, $dma with DMA"
ok "[ -z '$bad' ]" "$N load/unload cycles${bad:+: failed at $bad}"
ok "[ $pol -ge $((N / 3)) ] && [ $refused = $pol ]" "$pol cycles attached a policy, and rmmod was refused each time"
ok "[ $dma -ge $((N / 20)) ]" "$dma cycles moved data over every pair, all correct"
ok "insmod $K/p2pmap.ko && insmod $K/p2pmap_edu.ko && insmod tests/kmod/p2pmap_test.ko" "modules loaded again"
done_tap
