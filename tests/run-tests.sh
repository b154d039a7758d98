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

# The full pass (the default kernel, tests/vm/kernels' first line): every suite in "switch";
# every other topology variant boots its own lab and runs the matrix (verdicts, distances,
# ACS, DMA addresses and data over every pair, with the built-in rule and with bounce_all);
# "hotplug" unplugs and re-plugs devices under load. Reliability suites run bounded here;
# `make stress` runs them long (tests/stress.sh).
GUEST_TESTS=(tests/guest/t_module.sh tests/guest/t_topology.sh build/tests/t_map build/tests/t_stats tests/guest/t_trace.sh
	     build/tests/t_policy
	     tests/guest/t_policy_load.sh tests/guest/t_p2ppolicy.sh tests/guest/t_daemon.sh
	     tests/guest/t_privilege.sh build/tests/t_fuzz "build/tests/t_faults --only dma" build/tests/t_stress
	     build/tests/t_matrix tests/guest/t_matrix_bounce.sh
	     tests/guest/t_lifecycle.sh tests/guest/t_kmemleak.sh
	     tests/guest/t_unload.sh)
MATRIX_TESTS=(tests/guest/t_module.sh build/tests/t_matrix tests/guest/t_matrix_bounce.sh tests/guest/t_unload.sh)
# Allocation fault injection, in a boot of its own with DMA-API debug off (see faults.sh).
FAULTS_TESTS=(tests/guest/t_module.sh "build/tests/t_faults --only alloc" tests/guest/t_unload.sh)
# A provider that registers P2PDMA memory without publishing it, on every kernel.
UNPUB_TESTS=(tests/guest/t_module.sh tests/guest/t_unpublished.sh build/tests/t_matrix
	     tests/guest/t_matrix_bounce.sh tests/guest/t_unload.sh)
HOTPLUG_TESTS=(tests/guest/t_module.sh tests/guest/t_hotplug.sh build/tests/t_matrix tests/guest/t_unload.sh)
VARIANTS=${P2PMAP_VARIANTS:-switch faults acs viommu nested wide hotplug unpublished}
# The other kernels' pass: the module, its API and policies, the tools, the fuzzer (100,000
# calls), fault injection and unload in "switch", the matrix in "switch" and "nested", and
# the unpublished provider.
OTHER_TESTS=(tests/guest/t_module.sh tests/guest/t_topology.sh build/tests/t_map build/tests/t_stats tests/guest/t_trace.sh
	     build/tests/t_policy tests/guest/t_policy_load.sh tests/guest/t_p2ppolicy.sh tests/guest/t_daemon.sh
	     tests/guest/t_privilege.sh build/tests/t_fuzz "build/tests/t_faults --only dma"
	     build/tests/t_matrix tests/guest/t_matrix_bounce.sh tests/guest/t_unload.sh)
OTHER_VARIANTS=${P2PMAP_VARIANTS:-switch faults nested unpublished}
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
			case $v in
			switch) lab switch "${GUEST_TESTS[@]}" ;;
			hotplug) lab hotplug "${HOTPLUG_TESTS[@]}" ;;
			unpublished) lab unpublished "${UNPUB_TESTS[@]}" ;;
			faults) lab faults "${FAULTS_TESTS[@]}" ;;
			*) lab "$v" "${MATRIX_TESTS[@]}" ;;
			esac
		done
	else
		for v in $OTHER_VARIANTS; do
			case $v in
			switch) lab switch "${OTHER_TESTS[@]}" ;;
			unpublished) lab unpublished "${UNPUB_TESTS[@]}" ;;
			faults) lab faults "${FAULTS_TESTS[@]}" ;;
			*) lab "$v" "${MATRIX_TESTS[@]}" ;;
			esac
		done
	fi
	LAB_KERNEL=
done
grep -h "^# matrix" "$res"/tap/*-t_matrix*.tap 2>/dev/null | sed 's/^/# summary: /'
for k in $KERNELS; do
	printf '# kernel %s: %s\n' "$k" "$(res=$res; cat "$res"/tap/"$k"-*.tap | grep -c '^ok ') ok, $(cat "$res"/tap/"$k"-*.tap | grep -c '^not ok ') not ok"
done

tap_count
