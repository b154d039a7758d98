#!/usr/bin/env bash
# Run every test: host checks, then, for each lab kernel (tests/vm/kernels), the modules,
# policies and tools built against it, its own host checks and the guest suites in its lab.
# Each test speaks TAP; the run ends with one line "N passed, N failed, N skipped" and fails
# if anything failed on any kernel.
#
# P2PMAP_KERNELS="6.12 7.3" limits the kernels, P2PMAP_VARIANTS="switch acs ..." the
# topology variants of the full pass.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
res=$top/build/results
timeout=1500
rm -rf "$res"
mkdir -p "$res/tap"
. tests/lab.sh
. scripts/apt-lib.sh
# promtool and node_exporter for the metrics tests (the lab reaches them through its 9p root).
scripts/test-tools.sh >/dev/null || echo "== no promtool/node_exporter: the metrics tests will fail"

# Which suites each lab run does: tests/suites.sh, the one list (GUEST_TESTS for "switch" on
# the default kernel, OTHER_TESTS on the others, VARIANTS and OTHER_VARIANTS).
. tests/suites.sh
default=$(kernel_names | head -n 1)
KERNELS=${P2PMAP_KERNELS:-$(kernel_names | tr '\n' ' ')}
[ "${KASAN:-0}" = 1 ] && echo "== KASAN lab kernel (make check KASAN=1)"

for k in $KERNELS; do
	echo "== kernel $k: building p2pmap against it"
	export P2PMAP_KERNEL=$k
	log=$res/build-$k.log
	KDIR=$(scripts/build-kernel.sh) && make KDIR="$KDIR" all >"$log" 2>&1
	rc=$?
	{
		echo "TAP version 13"
		if [ $rc = 0 ]; then echo "ok 1 - kernel $k: p2pmap, its policies and tools build against it"
		else echo "not ok 1 - kernel $k: the build failed (see $log)"; tail -20 "$log" | sed 's/^/# /'; fi
		echo "1..1"
	} | tee "$res/tap/$k-build.tap"
	[ $rc = 0 ] || continue
	export KDIR

	if [ "$k" = "$default" ]; then
		echo "== host tests"
		for t in tests/host/t_*.sh; do
			n=$(basename "$t" .sh)
			echo "# ---- $n"
			bash "$t" 2>&1 | tee "$res/tap/host-$n.tap"
		done
	fi
	echo "# ---- kernel $k: t_kbuild"
	bash tests/host/kernel/t_kbuild.sh 2>&1 | tee "$res/tap/$k-host-t_kbuild.tap"

	LAB_KERNEL=$k
	if [ "$k" = "$default" ]; then
		for v in $VARIANTS; do
			suites check "$v" && lab "$v" "${SUITES[@]}"
		done
	else
		for v in $OTHER_VARIANTS; do
			suites other "$v" && lab "$v" "${SUITES[@]}"
		done
	fi
	LAB_KERNEL=
done
grep -h "^# matrix" "$res"/tap/*-t_matrix*.tap 2>/dev/null | sed 's/^/# summary: /'
for k in $KERNELS; do
	printf '# kernel %s: %s\n' "$k" "$(res=$res; cat "$res"/tap/"$k"-*.tap | grep -c '^ok ') ok, $(cat "$res"/tap/"$k"-*.tap | grep -c '^not ok ') not ok"
done

tap_count
