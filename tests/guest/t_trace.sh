#!/bin/sh
# Tracing in the lab: the decision tracepoint sees one event per decision with the right
# fields for every pair of the topology, and every shipped bpftrace script runs against it.
# The lab's addresses (tests/vm/topology/switch.sh): A 03:00.0, B 05:00.0 (providers),
# edu 04:00.0 behind A's switch, edu 00:06.0 on the root complex.
#
#   t_trace.sh          everything
#   t_trace.sh --core   the tracepoints and their fields only, not the shipped scripts (the
#                       other kernels' pass: the scripts read the same events, and each
#                       bpftrace run costs 10-20 s under TCG)
. tests/lib/tap.sh
W=build/tests/t_stats
out=/tmp/trace.out
fmt=/sys/kernel/tracing/events/p2pmap/p2pmap_decision/format

for e in p2pmap_decision p2pmap_map p2pmap_unmap p2pmap_bounce_copy p2pmap_policy p2pmap_probe p2pmap_segments; do
	ok "tracepoint p2pmap:$e exists" [ -f /sys/kernel/tracing/events/p2pmap/$e/format ]
done
# (<$fmt on the ok line is tr's input.)
ok "the decision format prints verdicts by name" stdout_has '{1,"P2P"},{2,"BOUNCE"},{3,"REJECT"}' tr -d ' ' <$fmt
ok "... and reasons" grep -q '"no-common-bridge"' $fmt

# One bpftrace run (each costs 10-20 s under TCG) over two workloads: the first makes 4
# mappings (one per pair) and 8 EXPLAINs, the second one unaligned mapping.
printf '%s\n' "$W --workload" "$W --unaligned" >/tmp/trace-wl.sh
bpftrace -e 'tracepoint:p2pmap:p2pmap_decision {
	printf("D %d %x %x %d %d %d %d %d %s %d\n", pid, args->provider_bdf, args->client_bdf, args->len,
	       args->dir, args->kernel_verdict, args->verdict, args->reason, args->policy,
	       args->explain); }
	kprobe:p2pmap_decide { printf("N %d %d\n", *(uint64 *)arg1, *(uint32 *)(arg1 + 8)); }' \
	-c "/bin/sh /tmp/trace-wl.sh" >$out 2>&1
# Counted for the first workload's process (lab_find() in each process EXPLAINs too).
first="D $(grep -m1 '^D ' $out | cut -d' ' -f2) "
ok "one event per decision: 4 mappings" [ "$(grep "^$first" $out | grep -c ' 0$')" = 4 ]
ok "... and 8 EXPLAINs" [ "$(grep "^$first" $out | grep -c ' 1$')" = 8 ]
# pid provider client len dir kernel_verdict verdict reason policy explain
ok "A -> edu behind the switch: P2P, topology-p2p, bus address" grep -Eqx 'D [0-9]+ 300 400 8192 1 2 1 1 builtin 0' $out
ok "A -> edu on the root complex: BOUNCE, no-common-bridge" grep -Eqx 'D [0-9]+ 300 30 8192 1 1 2 2 builtin 0' $out
ok "B -> edu behind the switch: BOUNCE, no-common-bridge" grep -Eqx 'D [0-9]+ 500 400 8192 1 1 2 2 builtin 0' $out
ok "B -> edu on the root complex: BOUNCE, no-common-bridge" grep -Eqx 'D [0-9]+ 500 30 8192 1 1 2 2 builtin 0' $out
grep -q '^D ' $out || sed 's/^/#   /' $out | tail -5

# A policy is told the pages a provider's memory touches: 8 KiB at offset 100 is 3 pages
# (the kprobe reads struct p2pmap_request: u64 len, then u32 nr_pages), 8 KiB aligned is 2.
ok "the decision for 8 KiB at offset 100 of a page counts 3 pages" grep -qx 'N 8192 3' $out
ok "... aligned 2" grep -qx 'N 8192 2' $out
grep -q '^N ' $out || sed 's/^/#   /' $out | tail -5

if [ "$1" = --core ]; then
	done_tap
	exit
fi

# The shipped scripts, one at a time, each over the workload with -c (bpftrace starts it once
# every probe is attached and ends when it exits, printing the maps), 10-20 s each under TCG;
# side by side, one of them at times does not end (bpftrace 0.17, TCG). okout: ok, and on the
# first failure over an output, that output.
S=user/bpftrace
okout() {
	_b=$_fail
	ok "$@"
	[ $_fail = $_b ] || [ "$_shown" = $out ] || { diag "output:"; sed 's/^/#   /' $out | tail -15; _shown=$out; }
}
# to_out COMMAND...: run COMMAND with its stdout and stderr in $out.
to_out() { "$@" >$out 2>&1; }
out=/tmp/trace-decisions.out
okout "decisions.bt runs over the workload" to_out timeout -k 10 240 bpftrace $S/decisions.bt -c "$W --workload"
okout "decisions.bt prints each decision" \
      grep -q '^0000:03:00.0  0000:04:00.0        8192  P2P     topology-p2p           builtin$' $out
okout "decisions.bt counts them per pair" grep -q '^@decisions\[3, 0, 0, 4, 0, 0, P2P, topology-p2p, builtin\]: 1' $out
out=/tmp/trace-bounced.out
okout "bounced.bt runs over the workload" to_out timeout -k 10 240 bpftrace $S/bounced.bt -c "$W --workload"
okout "bounced.bt sums bounced bytes per pair" grep -q '^@bounced\[5, 0, 0, 4, 0, 0, no-common-bridge\]: 8192' $out
okout "bounced.bt sums copied bytes per pair" grep -q '^@copied\[0, 6, 0, p2p->bounce\]: 16384' $out
out=/tmp/trace-map_latency.out
okout "map_latency.bt runs over the workload" to_out timeout -k 10 240 bpftrace $S/map_latency.bt -c "$W --workload"
okout "map_latency.bt makes a latency histogram of P2P mappings" grep -q '^@map_ns\[p2p\]:' $out
okout "... of bounced mappings" grep -q '^@map_ns\[bounce\]:' $out
okout "... and of bounced unmappings" grep -q '^@unmap_ns\[bounce\]:' $out
out=/tmp/trace.out
mkdir -p /sys/fs/bpf/p2pmap
cat >/tmp/policy-load.sh <<EOT
bpftool struct_ops register bpf/bounce_all.bpf.o /sys/fs/bpf/p2pmap >/dev/null 2>&1
$W --workload
rm /sys/fs/bpf/p2pmap/bounce_all
sleep 0.5
EOT
okout "policy_events.bt runs over a policy's attach, workload and detach" \
      to_out bpftrace $S/policy_events.bt -c '/bin/sh /tmp/policy-load.sh'
okout "policy_events.bt shows the attach" grep -Eq '^[0-9]+ +attach +bounce_all' $out
okout "... the detach" grep -Eq '^[0-9]+ +detach +bounce_all +4 +0$' $out
okout "... and decisions per policy" grep -q '^@decided_by\[bounce_all, BOUNCE\]: 4' $out
done_tap
