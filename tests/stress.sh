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

# lab VARIANT TEST...: boot, run, collect the TAP (as tests/run-tests.sh does).
lab() {
	local v=$1 start rc t prog f
	shift
	echo "== stress, lab variant $v"
	start=$(date +%s)
	tests/vm/run.sh --variant "$v" --timeout $((secs + 3600)) --out "$res/vm-$v" -- sh tests/guest/run.sh "$@"
	rc=$?
	echo "# lab run ($v): exit $rc after $(( $(date +%s) - start )) s"
	for t in "$@"; do
		prog=${t%% *}
		f=$(basename "$prog")
		[ "$prog" = "$t" ] || f="${f}_$(printf '%s' "${t#* }" | tr ' /' '__')"
		if [ -f "$res/vm-$v/share/tap/$f.tap" ]; then cp "$res/vm-$v/share/tap/$f.tap" "$res/tap/$v-${f%.sh}.tap"
		else echo "not ok 1 - $f did not run" >"$res/tap/$v-${f%.sh}.tap"; fi
	done
	case $rc in
	0) printf 'ok 1 - lab run (%s) with a clean guest log\n1..1\n' "$v" ;;
	*) printf 'not ok 1 - lab run (%s) exit %s (kernel report, timeout or failure; see %s)\n1..1\n' "$v" "$rc" "$res/vm-$v/console.log" ;;
	esac >"$res/tap/$v-lab-run.tap"
}

lab switch tests/guest/t_module.sh \
	"build/tests/t_stress --seconds $secs --threads 4" \
	"build/tests/t_fuzz --seed 1 --calls 200000" "build/tests/t_fuzz --seed 2 --calls 200000" \
	"build/tests/t_fuzz --seed 3 --calls 200000" "build/tests/t_fuzz --seed 4 --calls 200000" \
	"build/tests/t_fuzz --seed 5 --calls 200000" \
	"build/tests/t_faults --ops 2000" \
	"tests/guest/t_lifecycle.sh 300" tests/guest/t_kmemleak.sh tests/guest/t_unload.sh
lab hotplug tests/guest/t_module.sh "tests/guest/t_hotplug.sh 5" tests/guest/t_unload.sh

grep -h "^# \(operations\|policy\|seed\|.*calls made\|failslab\|fail_\|[0-9]* cycles\|stress:\)" "$res"/tap/*.tap | sed 's/^# /# summary: /'
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
