#!/usr/bin/env bash
# make bench: boot the lab, run tests/bench/bench.c in it (map + unmap against the raw kernel
# path, scaling, concurrency, bounce copies, registered buffers); then boot the "wide" lab (64
# pairs) and run tests/bench/decide.c (decision cost against pairs and policies); then the
# "viommu" lab twice, iommu.strict=1 and 0, for the registered-buffer table through an IOMMU. Prints the tables and writes
# build/bench/results.json (machine, kernel, QEMU accel, every figure with min/median/max).
# P2PMAP_BENCH_ARGS=--quick for 3 repetitions instead of 7.
#   run.sh --profile   instead: perf profiles of the 4 KiB map+unmap loop (make bench-profile;
#                      P2PMAP_PROFILE_LOOPS: any of "p2p ram ram64k ram1m rules bounce bounce-in
#                      register io-ram io-p2p"; rules: 4 KiB P2P with rules(1000) attached; bounce:
#                      the 64 KiB bounce row's loop, bounce-in the same TO_DEVICE; register: 4 KiB
#                      p2pmap_register() + p2pmap_unregister() of RAM; io-ram, io-p2p: 4 KiB
#                      p2pmap_io_map() + p2pmap_io_unmap())
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=build/bench
rm -rf "$out"
mkdir -p "$out"
accel=${P2PMAP_ACCEL:-tcg}
# Production-like: the lab kernel's allocation and DMA-API checkers cost more per call than
# p2pmap itself (kmemleak alone doubles a 4 KiB map+unmap), so benchmarks switch them off at
# boot. Lockdep is compiled in and stays; it costs both paths alike.
export P2PMAP_APPEND="kmemleak=off dma_debug=off ${P2PMAP_APPEND:-}"
case $accel in
icount) echo "== make bench: lab guest, QEMU TCG with icount: guest time counts instructions, 1 ns each," \
	     "so ratios are of instructions and repeat exactly; the thread-scaling figures mean" \
	     "nothing (one host thread runs both vCPUs); several times slower than tcg" ;;
*) echo "== make bench: lab guest, QEMU $accel (under TCG only ratios carry meaning); a few minutes" ;;
esac
if [ "${BENCH:-0}" = 1 ]; then
	echo "   kernel: ${KDIR:-?} (the benchmark kernel: without lockdep, kmemleak, DMA-API debug)"
else
	echo "   kernel: ${KDIR:-the lab kernel} (NOT the benchmark kernel: lockdep is compiled in;" \
	     "kmemleak and DMA-API debug are off at boot; make bench uses the benchmark kernel)"
fi
# Timeouts: icount runs both vCPUs on one host thread and counts every instruction.
slow=1
[ "$accel" = icount ] && slow=4
start=$(date +%s)
if [ "${1:-}" = --profile ]; then
	echo "== perf in the guest: ${P2PMAP_PROFILE_LOOPS:-p2p ram} (4 KiB map+unmap; rules: P2P with rules(1000); bounce: 64 KiB FROM_DEVICE with the promise), ${P2PMAP_PROFILE_SECONDS:-10} s each"
	{ echo "export P2PMAP_PROFILE_LOOPS='${P2PMAP_PROFILE_LOOPS:-p2p ram}' P2PMAP_PROFILE_SECONDS='${P2PMAP_PROFILE_SECONDS:-10}'"
	  echo "sh tests/bench/guest.sh profile"; } >"$out/cmd.sh"
	tests/vm/run.sh --quiet --timeout $((900 * slow)) --out "$out/vm" -- sh "$out/cmd.sh"
	rc=$?
	[ $rc = 0 ] && [ -s "$out/vm/share/profile.txt" ] ||
		{ echo "bench: the profile run failed (exit $rc); console log: $out/vm/console.log" >&2; exit 1; }
	cat "$out/vm/share/profile.txt"
	exit 0
fi
# One lab boot running "guest.sh MODE": bench VARIANT MODE DIR RESULT TIMEOUT;
# prints the guest's RESULT.txt, or fails the bench when RESULT.json is missing.
bench() {
	local variant=$1 mode=$2 dir=$3 result=$4 timeout=$5
	{ echo "export P2PMAP_BENCH_ARGS='${P2PMAP_BENCH_ARGS:-}'"; echo "sh tests/bench/guest.sh $mode"; } >"$dir.sh"
	tests/vm/run.sh --variant "$variant" --quiet --timeout "$timeout" --out "$dir" -- sh "$dir.sh"
	local rc=$?
	if [ $rc != 0 ] || [ ! -f "$dir/share/$result.json" ]; then
		echo "bench: the $variant lab run failed (exit $rc); console log: $dir/console.log" >&2
		exit 1
	fi
	cat "$dir/share/$result.txt"
}
bench switch "" "$out/vm" bench $((1200 * slow))
echo
echo "== decision cost, in the wide lab (4 providers x 16 clients)"
bench wide decide "$out/vm-wide" decide $((600 * slow))
# Registered buffers through QEMU's vIOMMU, strict and lazy, with its IOTLB invalidations
# counted from QEMU's trace events.
for strict in 1 0; do
	echo
	echo "== registered buffers in the viommu lab, iommu.strict=$strict"
	P2PMAP_IOMMU_STRICT=$strict P2PMAP_QEMU_TRACE='vtd_inv_desc_iotlb*' \
		bench viommu slice "$out/vm-viommu-$strict" slice $((600 * slow))
done
python3 - "$out/vm/share/bench.json" "$out/results.json" "$accel" "$out/vm-wide/share/decide.json" \
	"$out/vm-viommu-1/share/slice.json" "$out/vm-viommu-0/share/slice.json" <<'PY'
import json, os, platform, subprocess, sys
guest = json.load(open(sys.argv[1]))
guest["decision"] = json.load(open(sys.argv[4]))
guest["registered_viommu_strict"] = json.load(open(sys.argv[5]))["registered"]
guest["registered_viommu_lazy"] = json.load(open(sys.argv[6]))["registered"]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
res = {"host_cpu": cpu, "host_cpus": len([l for l in open("/proc/cpuinfo") if l.startswith("processor")]),
       "qemu": qemu, "accel": sys.argv[3], "kernel_tree": os.path.basename(os.path.dirname(os.environ.get("KDIR", "?"))),
       **guest}
if sys.argv[3] == "icount":	# the guest's clock counts instructions, 1 ns each
    res["unit"] = "instructions per map+unmap (icount: 1 guest ns = 1 instruction)"
json.dump(res, open(sys.argv[2], "w"), indent=2)
PY
echo "== results: $out/results.json ($(( $(date +%s) - start )) s)"
