#!/usr/bin/env bash
# The one list of the lab's suites: which guest tests each lab run does. Sourced by
# tests/run-tests.sh (make check) and tests/stress.sh (make stress); the docs point here.
# A new suite is added here, and nowhere else.
#
# Run, it prints one pass's suites for one variant, one per line, for a targeted run:
#   tests/suites.sh check switch       (check: the default kernel; other: the other kernels;
#   tests/suites.sh other unpublished   stress: make stress)
#   mapfile -t s < <(tests/suites.sh check switch)
#   tests/vm/run.sh --variant switch --out build/vm/mine -- sh tests/vm/guest-run.sh "${s[@]}"

# The module, its API, tracepoints and policies, the bounce engine's copies, privilege, the
# fuzzer (50,000 calls; make stress: 5 x 200,000) and DMA fault injection: every kernel's
# "switch" lab. The TRACE entry is the full t_trace.sh on the default kernel; the others run
# its tracepoint checks only (the shipped bpftrace scripts read the same events).
core_tests() {	# TRACE
	CORE_TESTS=(tests/guest/t_module.sh tests/guest/t_topology.sh build/tests/t_map
		    build/tests/t_contract build/tests/t_slice
		    build/tests/t_bounce
		    "build/tests/t_stats --hot 10000" "$1" build/tests/t_policy build/tests/t_shadow
		    tests/guest/t_policy_load.sh "${TOOLS_TESTS[@]}" tests/guest/t_privilege.sh
		    build/tests/t_attach_caps "build/tests/t_fuzz --calls 50000" "build/tests/t_faults --only dma")
	# The verified override: probe, override, real edu DMA (dma_map_resource() per kernel).
	CORE_TESTS+=(build/tests/t_override)
}
# The tools, which are the same whatever the kernel: p2ppolicy and its daemon, on the
# default kernel only (t_p2ppolicy_*.sh drive p2ppolicy; t_shadow and t_override, the kernel
# sides, are core).
TOOLS=(tests/guest/t_p2ppolicy.sh tests/guest/t_daemon.sh)
# Its metrics (promtool, the daemon's textfile, node_exporter) and its live view.
TOOLS+=(tests/guest/t_metrics.sh tests/guest/t_top.sh)
# p2ppolicy verify and override, and the daemon's [override] (t_override is the kernel side).
TOOLS+=(tests/guest/t_p2ppolicy_override.sh tests/guest/t_verify_aer.sh)
# Every lab boot but "switch"'s: load the modules (t_module.sh in full runs once per kernel).
LOAD="tests/guest/t_module.sh --load-only"
# Verdicts, distances, ACS, DMA addresses and data over every pair, with the built-in rule
# and with bounce_all.
MATRIX=(build/tests/t_matrix tests/guest/t_matrix_bounce.sh)

# make check, default kernel (tests/vm/kernels' first line): every suite in "switch", the
# reliability suites bounded (make stress runs them long): 6 load/unload cycles, of which
# 2 attach a policy and the last moves data (each cycle costs about 3 s under TCG).
TOOLS_TESTS=("${TOOLS[@]}")
core_tests tests/guest/t_trace.sh
GUEST_TESTS=("${CORE_TESTS[@]}" build/tests/t_safety tests/guest/t_register.sh tests/guest/t_p2ppolicy_shadow.sh build/tests/t_stress "${MATRIX[@]}"
	     "tests/guest/t_lifecycle.sh 6" tests/guest/t_kmemleak.sh tests/guest/t_unload.sh
	     "$LOAD" tests/guest/t_lockdown.sh)
# Every other topology variant: the matrix in a lab of its own.
MATRIX_TESTS=("$LOAD" "${MATRIX[@]}" tests/guest/t_unload.sh)
# viommu: the matrix, and the verified override through the IOMMU (DMA addresses are IOVAs).
VIOMMU_TESTS=("$LOAD" "${MATRIX[@]}" build/tests/t_override tests/guest/t_unload.sh)
# viommu-refused: the kernel refuses every pair there, so the override's own mappings
# (dma_map_resource() through the IOMMU: IOVAs) carry real edu DMA (see viommu-refused.sh).
VIOMMU_REFUSED_TESTS=("$LOAD" build/tests/t_override tests/guest/t_unload.sh)
# Allocation fault injection, in a boot of its own with DMA-API debug off (see faults.sh).
FAULTS_TESTS=("$LOAD" "build/tests/t_faults --only alloc" tests/guest/t_unload.sh)
# A provider that registers P2PDMA memory without publishing it, on every kernel.
UNPUB_TESTS=("$LOAD" tests/guest/t_unpublished.sh "${MATRIX[@]}"
	     tests/guest/t_unload.sh)
# Unplug and re-plug devices under load.
HOTPLUG_TESTS=("$LOAD" tests/guest/t_hotplug.sh build/tests/t_matrix
	       tests/guest/t_unload.sh)
# Clients with the edu's own 28-bit DMA mask (see narrow.sh).
NARROW_TESTS=("$LOAD" build/tests/t_dma_mask tests/guest/t_unload.sh)
# A registration of RAM in ZONE_MOVABLE, on every kernel (see movable.sh).
MOVABLE_TESTS=("$LOAD" build/tests/t_movable tests/guest/t_unload.sh)
# The Debian packages (build/deb/, which the host's t_deb.sh leaves there): installed on the
# host into an overlay of its root, in a mount namespace of its own, where DKMS builds p2pmap.ko
# natively against the lab kernel; the guest boots on that root and loads it, runs p2ppolicy
# and its daemon; removal, purge and the postinst's refusal back on the host
# (tests/vm/packages.sh). A boot of its own without the lab's modules, 6.12 only; make
# stress repeats it (it builds build/deb/ first).
PACKAGES_TESTS=(tests/guest/t_deb.sh)
VARIANTS=${P2PMAP_VARIANTS:-switch faults acs viommu viommu-refused nested wide hotplug unpublished narrow movable packages}
# make check, the other kernels: the core suites without the tools, the matrix and unload in
# "switch", allocation fault injection, the unpublished provider, and ZONE_MOVABLE.
TOOLS_TESTS=()
core_tests "tests/guest/t_trace.sh --core"
OTHER_TESTS=("${CORE_TESTS[@]}" "${MATRIX[@]}" tests/guest/t_unload.sh)
OTHER_VARIANTS=${P2PMAP_VARIANTS:-switch faults unpublished movable}

# make stress: in "switch", load with policy churn (P2PMAP_STRESS_SECONDS, default 600 s, 4
# threads), t_safety's MAP/UNMAP races against unbinds for a quarter of that each (slab
# poisoning catches a use-after-free; KASAN=1 make stress for KASAN's reports), the fuzzer with five seeds of 200,000 calls, 2,000 operations per fault
# mechanism, statistics exactness with 2 x 100,000 mappings of one pair (make check: 2 x
# 10,000), 300 load/unload cycles, kmemleak; allocation faults; 5 unplug/re-plug cycles.
STRESS_SECONDS=${P2PMAP_STRESS_SECONDS:-600}
STRESS_SWITCH_TESTS=(tests/guest/t_module.sh
	"build/tests/t_stress --seconds $STRESS_SECONDS --threads 4"
	"build/tests/t_safety --race-seconds $((STRESS_SECONDS / 4)) races"
	"build/tests/t_fuzz --seed 1 --calls 200000" "build/tests/t_fuzz --seed 2 --calls 200000"
	"build/tests/t_fuzz --seed 3 --calls 200000" "build/tests/t_fuzz --seed 4 --calls 200000"
	"build/tests/t_fuzz --seed 5 --calls 200000"
	"build/tests/t_faults --ops 2000 --only dma" "build/tests/t_stats --hot 100000"
	"tests/guest/t_lifecycle.sh 300" tests/guest/t_kmemleak.sh tests/guest/t_unload.sh)
STRESS_FAULTS_TESTS=("$LOAD" "build/tests/t_faults --ops 2000 --only alloc"
		     tests/guest/t_unload.sh)
STRESS_HOTPLUG_TESTS=("$LOAD" "tests/guest/t_hotplug.sh 5" tests/guest/t_unload.sh)
STRESS_VARIANTS="switch faults hotplug packages"

# suites PASS VARIANT: set SUITES to the suites of one lab run. PASS is check (the default
# kernel), other (the other kernels) or stress.
suites() {
	case $1:$2 in
	check:switch) SUITES=("${GUEST_TESTS[@]}") ;;
	other:switch) SUITES=("${OTHER_TESTS[@]}") ;;
	check:hotplug) SUITES=("${HOTPLUG_TESTS[@]}") ;;
	check:unpublished | other:unpublished) SUITES=("${UNPUB_TESTS[@]}") ;;
	check:faults | other:faults) SUITES=("${FAULTS_TESTS[@]}") ;;
	check:narrow | other:narrow) SUITES=("${NARROW_TESTS[@]}") ;;
	check:movable | other:movable) SUITES=("${MOVABLE_TESTS[@]}") ;;
	check:viommu) SUITES=("${VIOMMU_TESTS[@]}") ;;
	check:viommu-refused) SUITES=("${VIOMMU_REFUSED_TESTS[@]}") ;;
	check:packages | stress:packages) SUITES=("${PACKAGES_TESTS[@]}") ;;
	check:* | other:*) SUITES=("${MATRIX_TESTS[@]}") ;;
	stress:switch) SUITES=("${STRESS_SWITCH_TESTS[@]}") ;;
	stress:faults) SUITES=("${STRESS_FAULTS_TESTS[@]}") ;;
	stress:hotplug) SUITES=("${STRESS_HOTPLUG_TESTS[@]}") ;;
	*) echo "suites: no pass '$1' with variant '$2'" >&2; return 1 ;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	[ $# = 2 ] || { echo "usage: $0 check|other|stress VARIANT" >&2; exit 2; }
	suites "$1" "$2" || exit 2
	printf '%s\n' "${SUITES[@]}"
fi
