#!/usr/bin/env bash
# make stress: the reliability suites of `make check`, long: load with policy churn
# (P2PMAP_STRESS_SECONDS, default 600 s), the fuzzer, fault injection, load/unload cycles and
# kmemleak in "switch", allocation faults in "faults", unplug/re-plug cycles in "hotplug",
# the Debian packages installed in "packages" (tests/suites.sh has the list). Ends with one line "N passed, N failed" (KASAN=1 for the
# KASAN lab kernel).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
res=$top/build/stress
rm -rf "$res"
mkdir -p "$res/tap"
. tests/lab.sh
# The suites, long: tests/suites.sh (STRESS_*).
. tests/suites.sh
timeout=$((STRESS_SECONDS + 3600))
# The packages boot installs build/deb/*.deb: build them first.
case " $STRESS_VARIANTS " in
*" packages "*)
	echo "== make deb (for the packages boot; log: $res/deb.log)"
	make -s deb >"$res/deb.log" 2>&1 || echo "stress: make deb failed: the packages boot will fail (see $res/deb.log)"
	;;
esac

for v in $STRESS_VARIANTS; do
	suites stress "$v" && lab "$v" "${SUITES[@]}"
done

grep -h "^# \(operations\|policy\|seed\|.*calls made\|failslab\|fail_\|[0-9]* cycles\|stress:\)" "$res"/tap/*.tap | sed 's/^# /# summary: /'
tap_count
