#!/usr/bin/env bash
# make stress: the reliability suites of `make check`, long. In the "switch" lab: load with
# policy churn (P2PMAP_STRESS_SECONDS, default 600 s, 4 threads), the ioctl fuzzer with five
# seeds of 200,000 calls, 2,000 operations per fault mechanism, 300 module load/unload cycles,
# kmemleak; in the "hotplug" lab: 5 unplug/re-plug cycles under load. Ends with one line
# "N passed, N failed" (KASAN=1 for the KASAN lab kernel).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
res=$top/build/stress
rm -rf "$res"
mkdir -p "$res/tap"
secs=${P2PMAP_STRESS_SECONDS:-600}
timeout=$((secs + 3600))
. tests/lab.sh

lab switch tests/guest/t_module.sh \
	"build/tests/t_stress --seconds $secs --threads 4" \
	"build/tests/t_fuzz --seed 1 --calls 200000" "build/tests/t_fuzz --seed 2 --calls 200000" \
	"build/tests/t_fuzz --seed 3 --calls 200000" "build/tests/t_fuzz --seed 4 --calls 200000" \
	"build/tests/t_fuzz --seed 5 --calls 200000" \
	"build/tests/t_faults --ops 2000 --only dma" \
	"tests/guest/t_lifecycle.sh 300" tests/guest/t_kmemleak.sh tests/guest/t_unload.sh
lab faults tests/guest/t_module.sh "build/tests/t_faults --ops 2000 --only alloc" tests/guest/t_unload.sh
lab hotplug tests/guest/t_module.sh "tests/guest/t_hotplug.sh 5" tests/guest/t_unload.sh

grep -h "^# \(operations\|policy\|seed\|.*calls made\|failslab\|fail_\|[0-9]* cycles\|stress:\)" "$res"/tap/*.tap | sed 's/^# /# summary: /'
tap_count
