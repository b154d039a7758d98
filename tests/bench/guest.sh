#!/bin/sh
# In the lab guest (make bench): load the modules, run the benchmark, keep its table.
insmod kernel/p2pmap.ko && insmod kernel/p2pmap_edu.ko && insmod tests/kmod/p2pmap_test.ko || exit 1
build/tests/bench ${P2PMAP_BENCH_ARGS:-} /mnt/out/bench.json >/mnt/out/bench.txt || exit 1
rmmod p2pmap_test p2pmap_edu p2pmap
