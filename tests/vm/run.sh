#!/usr/bin/env bash
# Boot the p2pmap lab (QEMU, emulated PCIe topology) and run a command in the guest.
#
#   tests/vm/run.sh [options] -- COMMAND...    run COMMAND in the guest (one argument: a shell
#                                              command line; more: a command and its arguments)
#   tests/vm/run.sh [options] --shell          interactive shell on the serial console
#
# Options:
#   --variant NAME   topology from tests/vm/topology/NAME.sh (default: switch; also acs, viommu,
#                    nested, wide: see docs/lab.md, "The topology matrix")
#   --timeout SEC    kill the guest after SEC seconds (default 1200)
#   --out DIR        keep console log, dmesg and results in DIR (default: a new dir in build/vm)
#   --quiet          do not echo the guest console
# Environment: KDIR (lab kernel tree), P2PMAP_ACCEL=tcg|kvm|icount (default tcg), P2PMAP_MEM
# (2G), P2PMAP_SMP (2), P2PMAP_NUMA=1|2 (NUMA nodes, default 2), P2PMAP_ROOT (the directory
# the guest boots on, default /; tests/vm/packages.sh gives it a root with the Debian packages
# installed). icount: TCG on one host thread with the guest's clock driven by the instructions
# it executes, 1 ns each, so a time measured in the guest is an instruction count: the same
# run after run (make bench's exact ratios). P2PMAP_QEMU_TRACE=PATTERN: QEMU's trace events
# matching it go to DIR/share/qemu-trace.log, which the guest reads at /mnt/out (make bench
# counts the vIOMMU's IOTLB invalidations so).
#
# The host / (or P2PMAP_ROOT) is the guest's root, read-only over virtio-9p; DIR/share is
# writable in the guest at /mnt/out. The exit status is the guest command's, or 124 on timeout,
# or 125 when the guest log holds a kernel report (WARN, BUG, oops, DMA-API, lockdep, KASAN,
# ...) whatever the command returned.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
variant=switch timeout=1200 out="" quiet=0 shell=0

die() { printf 'vm: error: %s\n' "$*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--variant) variant=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--shell) shell=1; shift ;;
	--) shift; break ;;
	-h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
done
[ $shell = 1 ] || [ $# -gt 0 ] || die "no command given (see --help)"
topo="$here/topology/$variant.sh"
[ -f "$topo" ] || die "no topology variant '$variant' (have: $(cd "$here/topology" && ls | sed 's/\.sh$//' | tr '\n' ' '))"

KDIR=${KDIR:-$("$top/scripts/build-kernel.sh" --dir)}
root=${P2PMAP_ROOT:-/}
[ -d "$root$top" ] || die "P2PMAP_ROOT=$root has no $top: the guest runs the repository from its root"
kernel="$KDIR/arch/x86/boot/bzImage"
[ -f "$kernel" ] || die "no lab kernel at $kernel: run 'make kernel'"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: run 'make deps'"

if [ -z "$out" ]; then
	mkdir -p "$top/build/vm"
	out=$(mktemp -d "$top/build/vm/run.XXXXXX")
fi
mkdir -p "$out"
rm -rf "$out/share"
mkdir -p "$out/share"
share="$out/share"
log="$out/console.log"

if [ $shell = 0 ]; then
	# The guest runs this with the repository as its working directory.
	# One argument is a shell command line; several are one command and its arguments,
	# quoted so that an argument may hold spaces.
	{
		echo "cd '$top'"
		# P2PMAP_KDIR: the lab kernel's tree, reachable in the guest through the 9p root;
		# P2PMAP_TOOLS: promtool and node_exporter (scripts/test-tools.sh), the same way.
		echo "export P2PMAP_VARIANT=$variant KASAN=${KASAN:-0} P2PMAP_KDIR='$KDIR'" \
		     "P2PMAP_TOOLS='$("$top/scripts/test-tools.sh" --dir)'"
		if [ $# = 1 ]; then printf '%s\n' "$1"; else printf '%q ' "$@"; echo; fi
	} >"$share/cmd.sh"
fi

accel=${P2PMAP_ACCEL:-tcg}
case "$accel" in
tcg) accel_args=(-accel tcg,thread=multi -cpu max) ;;
kvm) [ -w /dev/kvm ] || die "P2PMAP_ACCEL=kvm but /dev/kvm is not usable"; accel_args=(-accel kvm -cpu host) ;;
icount) accel_args=(-accel tcg,thread=single -icount shift=0,sleep=off -cpu max) ;;
*) die "P2PMAP_ACCEL must be tcg, kvm or icount" ;;
esac

append="console=ttyS0 loglevel=5 log_buf_len=8M root=/dev/root rootfstype=9p"
append+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose ro"
append+=" init=$here/init.sh panic=-1 nokaslr ${P2PMAP_APPEND:-}"

# Two NUMA nodes by default (P2PMAP_NUMA=1 for one): RAM split in halves, the CPUs shared
# out, so policies that look at NUMA nodes have something to look at.
smp=${P2PMAP_SMP:-2}
mem=${P2PMAP_MEM:-2G}
case "$mem" in
*G) mem_mb=$(( ${mem%G} * 1024 )) ;;
*M) mem_mb=${mem%M} ;;
*) die "P2PMAP_MEM must look like 2G or 1536M" ;;
esac
numa_args=()
smp_args=("$smp")
if [ "${P2PMAP_NUMA:-2}" = 2 ]; then
	half=$(( mem_mb / 2 ))
	numa_args=(-object "memory-backend-ram,id=ram0,size=${half}M"
		   -object "memory-backend-ram,id=ram1,size=$(( mem_mb - half ))M")
	if [ $(( smp % 2 )) = 0 ]; then
		# One socket per node, or the kernel warns that an LLC spans two nodes.
		smp_args=("$smp,sockets=2")
		numa_args+=(-numa "node,nodeid=0,memdev=ram0,cpus=0-$(( smp / 2 - 1 ))"
			    -numa "node,nodeid=1,memdev=ram1,cpus=$(( smp / 2 ))-$(( smp - 1 ))")
	else
		numa_args+=(-numa "node,nodeid=0,memdev=ram0,cpus=0" -numa "node,nodeid=1,memdev=ram1")
	fi
fi

# The variant prints QEMU arguments, one per line; a line "append ARGS" adds kernel parameters.
mapfile -t lines < <(bash "$topo")
devs=()
for l in "${lines[@]}"; do
	case "$l" in
	"append "*) append+=" ${l#append }" ;;
	*) devs+=("$l") ;;
	esac
done
qemu=(qemu-system-x86_64 -machine q35 "${accel_args[@]}" -smp "${smp_args[@]}"
      -m "${mem_mb}M" "${numa_args[@]}" -no-reboot -kernel "$kernel"
      $(printf '%s ' "${devs[@]}")
      -fsdev "local,id=rootfs,path=$root,security_model=none,readonly=on,multidevs=remap"
      -device "virtio-9p-pci,fsdev=rootfs,mount_tag=/dev/root,addr=0x10"
      -fsdev "local,id=outfs,path=$share,security_model=none"
      -device "virtio-9p-pci,fsdev=outfs,mount_tag=p2pmap_out,addr=0x11"
      -qmp "unix:$out/qmp.sock,server=on,wait=off")
qemu+=(-append "$append")
[ -n "${P2PMAP_QEMU_TRACE:-}" ] &&
	qemu+=(-trace "enable=$P2PMAP_QEMU_TRACE,file=$share/qemu-trace.log")

if [ $shell = 1 ]; then
	echo "p2pmap lab: variant $variant, $accel; leave with 'poweroff' (or Ctrl-a x)" >&2
	exec "${qemu[@]}" -nographic
fi

# The QMP agent lets guest tests drive the monitor (hot-unplug) through the share.
python3 "$here/qmp-agent.py" "$out/qmp.sock" "$share" 2>"$out/qmp-agent.log" &
agent=$!
trap 'kill $agent 2>/dev/null || true' EXIT

set +e
if [ $quiet = 1 ]; then
	timeout -k 10 "$timeout" "${qemu[@]}" -display none -monitor none -serial stdio \
		</dev/null >"$log" 2>&1
else
	timeout -k 10 "$timeout" "${qemu[@]}" -display none -monitor none -serial stdio \
		</dev/null 2>&1 | tee "$log"
	[ "${PIPESTATUS[0]}" = 124 ] && echo 124 >"$out/timed-out"
fi
set -e

# A kernel report anywhere in the console or the saved dmesg fails the run.
reports=$(cat "$log" "$share/dmesg.txt" 2>/dev/null | grep -E "$(cat "$here/report-patterns")" | sort -u | head -20 || true)
if [ -f "$out/timed-out" ] || ! [ -f "$share/exit-code" ]; then
	echo "vm: guest did not finish (timeout ${timeout}s or crash); console log: $log" >&2
	[ -z "$reports" ] || printf 'vm: kernel reports:\n%s\n' "$reports" >&2
	exit 124
fi
if [ -n "$reports" ]; then
	printf 'vm: kernel reports in the guest log (%s):\n%s\n' "$log" "$reports" >&2
	exit 125
fi
exit "$(cat "$share/exit-code")"
