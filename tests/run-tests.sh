#!/usr/bin/env bash
# Run every test: host checks, then the guest suites in the lab VM. Each test speaks TAP; the
# run ends with one line "N passed, N failed, N skipped" and fails if anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
res=$top/build/results
timeout=1500
rm -rf "$res"
mkdir -p "$res/tap"
. tests/lab.sh

# The full suites run in the "switch" variant; every other topology variant boots its own lab
# and runs the matrix (verdicts, distances, ACS, DMA addresses and data over every pair, with
# the built-in rule and with bounce_all); "hotplug" unplugs and re-plugs devices under load.
# P2PMAP_VARIANTS limits the variants run. Reliability suites run bounded here; `make stress`
# runs them long (tests/stress.sh).
GUEST_TESTS=(tests/guest/t_module.sh tests/guest/t_topology.sh build/tests/t_map build/tests/t_stats tests/guest/t_trace.sh
	     build/tests/t_policy
	     tests/guest/t_policy_load.sh tests/guest/t_p2ppolicy.sh tests/guest/t_daemon.sh
	     tests/guest/t_privilege.sh build/tests/t_fuzz build/tests/t_faults build/tests/t_stress
	     build/tests/t_matrix tests/guest/t_matrix_bounce.sh
	     tests/guest/t_lifecycle.sh tests/guest/t_kmemleak.sh
	     tests/guest/t_unload.sh)
MATRIX_TESTS=(tests/guest/t_module.sh build/tests/t_matrix tests/guest/t_matrix_bounce.sh tests/guest/t_unload.sh)
HOTPLUG_TESTS=(tests/guest/t_module.sh tests/guest/t_hotplug.sh build/tests/t_matrix tests/guest/t_unload.sh)
VARIANTS=${P2PMAP_VARIANTS:-switch acs viommu nested wide hotplug}
[ "${KASAN:-0}" = 1 ] && echo "== KASAN lab kernel (make check KASAN=1)"

echo "== host tests"
for t in tests/host/t_*.sh; do
	n=$(basename "$t" .sh)
	echo "# ---- $n"
	bash "$t" 2>&1 | tee "$res/tap/host-$n.tap"
done

for v in $VARIANTS; do
	if [ "$v" = switch ]; then
		lab switch "${GUEST_TESTS[@]}"
	elif [ "$v" = hotplug ]; then
		lab hotplug "${HOTPLUG_TESTS[@]}"
	else
		lab "$v" "${MATRIX_TESTS[@]}"
	fi
done
grep -h "^# matrix" "$res"/tap/*-t_matrix*.tap 2>/dev/null | sed 's/^# /# summary: /'

tap_count
