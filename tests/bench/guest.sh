#!/bin/sh
# In the lab guest (make bench): load the modules, run a benchmark, keep its table.
#   guest.sh          map + unmap, scaling, concurrency, bounce (bench.c; "switch" lab)
#   guest.sh decide   decision cost (decide.c; "wide" lab)
#   guest.sh slice    registered buffers only (bench.c --slice; the "viommu" lab)
#   guest.sh profile  perf profiles of a 4 KiB map+unmap loop, RAM and P2P (make bench-profile;
#                     P2PMAP_PROFILE_LOOPS picks from p2p ram rules ram64k ram1m bounce bounce-in
#                     register io-ram io-p2p)
insmod kernel/p2pmap.ko && insmod samples/p2pmap_edu/p2pmap_edu.ko $(sh tests/lib/modargs.sh p2pmap_edu) && insmod tests/kmod/p2pmap_test.ko || exit 1
if [ "${1:-}" = profile ]; then
	# Software clock sampling (TCG has no PMU); symbols from /proc/kallsyms, module ones too.
	echo 0 >/proc/sys/kernel/kptr_restrict
	echo -1 >/proc/sys/kernel/perf_event_paranoid
	for buf in ${P2PMAP_PROFILE_LOOPS:-p2p ram}; do
		# The bench pins itself to CPU 0: sample that CPU only (the other idles).
		perf record -q -C 0 -g -e cpu-clock -F 2000 -o /tmp/perf.$buf -- \
			build/tests/bench --profile "${P2PMAP_PROFILE_SECONDS:-10}" $buf || exit 1
		{
			case $buf in
			bounce) echo "== 64 KiB FROM_DEVICE bounce with the promise (p2pmem for the root-complex edu): self time" ;;
			bounce-in) echo "== 64 KiB TO_DEVICE bounce (p2pmem for the root-complex edu): self time" ;;
			rules) echo "== 4 KiB map+unmap of p2p for the switch's edu, p2pmap with rules(1000) attached: self time" ;;
			ram64k) echo "== 64 KiB map+unmap of ram for the switch's edu, p2pmap, no policy: self time" ;;
			ram1m) echo "== 1 MiB map+unmap of ram for the switch's edu, p2pmap, no policy: self time" ;;
			register) echo "== 4 KiB register+unregister of ram for the switch's edu (p2pmap_register): self time" ;;
			*) echo "== 4 KiB map+unmap of $buf for the switch's edu, p2pmap, no policy: self time" ;;
			esac
			perf report -i /tmp/perf.$buf --stdio --no-children --sort symbol \
				-g none 2>/dev/null | grep -v '^#' | grep -v '^$' >/tmp/self.$buf
			awk '{ v = $1; sub("%", "", v) } v + 0 >= 0.7' /tmp/self.$buf
			# The functions of p2pmap.ko, by /proc/kallsyms: their self time added up.
			awk 'NR == FNR { if ($4 == "[p2pmap]") own[$3] = 1; next }
			     ($3 in own) { sub("%", "", $1); s += $1 }
			     END { printf "== p2pmap.ko'"'"'s own functions, self time (not what they call): %.1f%%\n", s }' \
				/proc/kallsyms /tmp/self.$buf
			echo "== the same, with children (inclusive time; 2% and up)"
			perf report -i /tmp/perf.$buf --stdio --children --sort symbol \
				--percent-limit 2 -g none 2>/dev/null | grep -v '^#' | grep -v '^$'
			echo
		} >>/mnt/out/profile.txt
	done
elif [ "${1:-}" = slice ]; then
	build/tests/bench ${P2PMAP_BENCH_ARGS:-} --slice /mnt/out/slice.json >/mnt/out/slice.txt || exit 1
elif [ "${1:-}" = decide ]; then
	build/tests/bench-decide ${P2PMAP_BENCH_ARGS:-} /mnt/out/decide.json >/mnt/out/decide.txt || exit 1
else
	build/tests/bench ${P2PMAP_BENCH_ARGS:-} /mnt/out/bench.json >/mnt/out/bench.txt || exit 1
fi
rmmod p2pmap_test p2pmap_edu p2pmap
