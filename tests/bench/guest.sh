#!/bin/sh
# In the lab guest (make bench): load the modules, run a benchmark, keep its table.
#   guest.sh          map + unmap, scaling, concurrency, bounce (bench.c; "switch" lab)
#   guest.sh decide   decision cost (decide.c; "wide" lab)
insmod kernel/p2pmap.ko && insmod samples/p2pmap_edu/p2pmap_edu.ko $(sh tests/lib/modargs.sh p2pmap_edu) && insmod tests/kmod/p2pmap_test.ko || exit 1
if [ "${1:-}" = decide ]; then
	build/tests/bench-decide ${P2PMAP_BENCH_ARGS:-} /mnt/out/decide.json >/mnt/out/decide.txt || exit 1
else
	build/tests/bench ${P2PMAP_BENCH_ARGS:-} /mnt/out/bench.json >/mnt/out/bench.txt || exit 1
fi
rmmod p2pmap_test p2pmap_edu p2pmap
