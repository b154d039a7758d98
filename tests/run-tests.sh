#!/usr/bin/env bash
# Run every test: host checks, then the guest suites in the lab VM. Each test speaks TAP; the
# run ends with one line "N passed, N failed, N skipped" and fails if anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
res=$top/build/results
rm -rf "$res"
mkdir -p "$res/tap"

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

# lab VARIANT TEST...: boot the variant, run the tests, collect their TAP as VARIANT-NAME.tap.
lab() {
	local v=$1 start rc t n f
	shift
	echo "== lab tests, variant $v (QEMU ${P2PMAP_ACCEL:-tcg}; the edu engine needs 100 ms per transfer)"
	start=$(date +%s)
	tests/vm/run.sh --variant "$v" --timeout 1500 --out "$res/vm-$v" -- sh tests/guest/run.sh "$@"
	rc=$?
	echo "# lab run ($v): exit $rc after $(( $(date +%s) - start )) s"
	echo "$v $(( $(date +%s) - start ))" >>"$res/times"
	for t in "$@"; do
		prog=${t%% *}
		f=$(basename "$prog")
		[ "$prog" = "$t" ] || f="${f}_$(printf '%s' "${t#* }" | tr ' /' '__')"
		n=${f%.sh}
		f="$res/vm-$v/share/tap/$f.tap"
		if [ -f "$f" ]; then cp "$f" "$res/tap/$v-$n.tap"; else echo "not ok 1 - $n did not run" >"$res/tap/$v-$n.tap"; fi
	done
	{
		echo "TAP version 13"
		case $rc in
		0) echo "ok 1 - lab run ($v) finished with a clean guest log" ;;
		125) echo "not ok 1 - kernel report in the guest log (see $res/vm-$v/console.log)" ;;
		124) echo "not ok 1 - lab run ($v) timed out or the guest crashed (see $res/vm-$v/console.log)" ;;
		*) echo "not ok 1 - lab run ($v) failed with status $rc" ;;
		esac
		echo "1..1"
	} >"$res/tap/$v-lab-run.tap"
}

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

# Count: every top-level "ok"/"not ok" line; a file whose plan is missing or larger than what
# ran counts the missing tests as failed (a test program that crashed).
awk '
	FNR == 1 { if (NR > 1) finish(); plan = -1; seen = 0 }
	/^ok / { seen++; if ($0 ~ /# SKIP/) skip++; else pass++ }
	/^not ok / { seen++; fail++; print "FAIL: " FILENAME ": " $0 }
	/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0 }
	function finish() {
		if (plan < 0) { fail++; print "FAIL: " prev ": no TAP plan (crashed?)" }
		else if (seen < plan) { fail += plan - seen; print "FAIL: " prev ": ran " seen " of " plan }
	}
	{ prev = FILENAME }
	END { finish(); printf "%d passed, %d failed, %d skipped\n", pass, fail, skip; exit fail > 0 }
' "$res"/tap/*.tap
