#!/bin/sh
# Module lifecycle: p2pmap.ko and p2pmap_edu.ko load and unload N times (default 100; the first
# argument overrides), every third cycle with a policy attached and detached, every
# twentieth and the last with real edu DMA over all pairs; rmmod is refused while a policy
# holds the module. Afterwards the modules are loaded again for the suites that follow.
# Besides the loop's own counts, each claim is checked against what the kernel and the data
# say: the module's load messages, its reference count and policy while rmmod is refused, and
# demo's data checks.
. tests/lib/tap.sh
N=${1:-100}
K=kernel
E=samples/p2pmap_edu
P=build/user/p2ppolicy
rmmod p2pmap_test 2>/dev/null; rmmod p2pmap_edu 2>/dev/null; rmmod p2pmap 2>/dev/null
ok "start: p2pmap is not loaded" [ ! -e /sys/kernel/p2pmap ]
i=0 bad="" pol=0 dma=0 refused=0 held=0 correct=0
loads0=$(dmesg | grep -c 'p2pmap: version .* loaded')
start=$(date +%s)
while [ $i -lt $N ]; do
	i=$((i + 1))
	insmod $K/p2pmap.ko && insmod $E/p2pmap_edu.ko $(sh tests/lib/modargs.sh p2pmap_edu) || { bad="insmod in cycle $i"; break; }
	if [ $((i % 3)) = 0 ]; then
		$P load topology >/dev/null || { bad="load in cycle $i"; break; }
		rmmod p2pmap 2>/dev/null && { bad="rmmod with a policy attached succeeded in cycle $i"; break; }
		refused=$((refused + 1))
		# The kernel's word: the module is still there, held, with the policy attached.
		[ "$(cat /sys/kernel/p2pmap/policy)" = topology ] && [ "$(cat /sys/module/p2pmap/refcnt)" -gt 0 ] &&
			held=$((held + 1))
		$P unload >/dev/null || { bad="unload in cycle $i"; break; }
		pol=$((pol + 1))
	fi
	if [ $((i % 20)) = 0 ] || [ $i = $N ]; then
		build/tests/demo 8K >/tmp/lifecycle-demo.txt || { bad="transfer in cycle $i"; break; }
		dma=$((dma + 1))
		correct=$((correct + $(grep -c ' correct$' /tmp/lifecycle-demo.txt)))
	fi
	rmmod p2pmap_edu && rmmod p2pmap || { bad="rmmod in cycle $i"; break; }
	[ ! -e /sys/kernel/p2pmap ] && [ ! -e /dev/p2pmap ] || { bad="leftovers after cycle $i"; break; }
done
diag "$i cycles in $(( $(date +%s) - start )) s: $pol with a policy, $dma with DMA"
ok "$N load/unload cycles${bad:+: failed at $bad}" [ -z "$bad" ]
loads=$(( $(dmesg | grep -c 'p2pmap: version .* loaded') - loads0 ))
ok "the kernel logged $loads module loads for $i cycles" [ $loads = $i ]
ok "$pol cycles attached a policy (every third)" [ $pol -ge $((N / 3)) ]
ok "... and rmmod was refused each time ($refused)" [ $refused = $pol ]
ok "each time, the module stayed with its policy attached and its reference count held ($held of $pol)" [ $held = $pol ]
ok "$dma cycles moved data over every pair, all correct" [ $dma = $((N / 20 + (N % 20 != 0))) ]
ok "demo checked $correct transfers correct byte for byte (4 pairs per DMA cycle)" [ $correct -ge $((dma * 4)) ]
ok "p2pmap loaded again" insmod $K/p2pmap.ko
ok "p2pmap_edu loaded again" insmod $E/p2pmap_edu.ko $(sh tests/lib/modargs.sh p2pmap_edu)
ok "the test module loaded again" insmod tests/kmod/p2pmap_test.ko
done_tap
