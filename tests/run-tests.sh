#!/usr/bin/env bash
# Run every test: host checks, then the guest suites in the lab VM. Each test speaks TAP; the
# run ends with one line "N passed, N failed, N skipped" and fails if anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
res=$top/build/results
rm -rf "$res"
mkdir -p "$res/tap"

GUEST_TESTS=(tests/guest/t_module.sh tests/guest/t_topology.sh build/tests/t_map build/tests/t_stats tests/guest/t_trace.sh
	     build/tests/t_policy
	     tests/guest/t_policy_load.sh tests/guest/t_p2ppolicy.sh tests/guest/t_daemon.sh
	     tests/guest/t_unload.sh)

echo "== host tests"
for t in tests/host/t_*.sh; do
	n=$(basename "$t" .sh)
	echo "# ---- $n"
	bash "$t" 2>&1 | tee "$res/tap/host-$n.tap"
done

echo "== lab tests (QEMU ${P2PMAP_ACCEL:-tcg}; the edu engine needs 100 ms per transfer)"
start=$(date +%s)
tests/vm/run.sh --timeout 1500 --out "$res/vm" -- sh tests/guest/run.sh "${GUEST_TESTS[@]}"
rc=$?
echo "# lab run: exit $rc after $(( $(date +%s) - start )) s"
for t in "${GUEST_TESTS[@]}"; do
	n=$(basename "$t" .sh)
	n=${n%.sh}
	f="$res/vm/share/tap/$(basename "$t").tap"
	if [ -f "$f" ]; then cp "$f" "$res/tap/guest-$n.tap"; else echo "not ok 1 - $n did not run" >"$res/tap/guest-$n.tap"; fi
done
{
	echo "TAP version 13"
	case $rc in
	0) echo "ok 1 - lab run finished with a clean guest log" ;;
	125) echo "not ok 1 - kernel report in the guest log (see $res/vm/console.log)" ;;
	124) echo "not ok 1 - lab run timed out or the guest crashed (see $res/vm/console.log)" ;;
	*) echo "not ok 1 - lab run failed with status $rc" ;;
	esac
	echo "1..1"
} >"$res/tap/lab-run.tap"

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
