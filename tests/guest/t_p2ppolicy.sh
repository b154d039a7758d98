#!/bin/sh
# p2ppolicy against the real module in the lab: every command, --json that parses, errors.
. tests/lib/tap.sh
P=build/user/p2ppolicy
A=0000:03:00.0 B=0000:05:00.0 EDU_SW=0000:04:00.0 EDU_RC=0000:00:06.0
o=/tmp/p2ppolicy.out
# j FILTER: the jq FILTER holds for the JSON in $o (jq, not python3, which takes 1-2 s to
# start under TCG).
j() { jq -e "$1" $o >/dev/null; }
# json FILTER COMMAND...: COMMAND succeeds, and FILTER holds for the JSON it prints (kept in $o).
json() {
	local filter=$1
	shift
	"$@" >$o && j "$filter"
}
$P unload >/dev/null 2>&1

$P status >$o 2>&1
V=$(cat VERSION)
ok "status: module version" grep -q "^module:     p2pmap $V" $o
ok "status: no policy" grep -q '^policy:     none' $o
$P status --json >$o
ok "status --json parses and has the counters" \
   j ".version == \"$V\" and (.policy | has(\"name\")) and .policy.name == null and (.counters | has(\"decisions_p2p\"))"

$P devices >$o 2>&1
ok "devices lists provider A with its p2pmem" grep -q "^$A  1b36:0010  nvme .* 64 MiB .* yes" $o
ok "devices lists provider B" grep -q "^$B " $o
ok "devices: the switch's edu reaches A by bus address (distance 4), not B" \
   grep -q "^$EDU_SW  1234:11e8  p2pmap_edu   bus-address (4)    refused" $o
ok "devices: the root-complex edu reaches neither" \
   grep -q "^$EDU_RC  1234:11e8  p2pmap_edu   refused            refused" $o
$P devices --json >$o
ok "devices --json parses and has the matrix" \
   j "(.providers | length) == 2 and [.pairs[] | select(.provider == \"$A\" and .client == \"$EDU_SW\") | .kernel_verdict] == [\"bus-address\"]"

$P explain 03:00.0 04:00.0 --size 16K >$o 2>&1
ok "explain: A -> switch edu is P2P" grep -q "^$A -> $EDU_SW, 16 KiB, direction bidi: P2P" $o
ok "... through the switch 0000:01:00.0" grep -q 'to 0000:01:00.0' $o
$P explain $B $EDU_SW --json >$o
ok "explain --json: B -> switch edu bounces, no common bridge" \
   j '.verdict == "BOUNCE" and .reason == "no-common-bridge" and .distance == -1'
ok "explain: an ambiguous vendor:device is refused" out_has 'matches 2 devices' $P explain 03:00.0 1234:11e8
ok "explain: a client as provider is a clear error" out_has 'publishes no P2P memory' $P explain $EDU_SW $A
ok "... exit 1" exits 1 $P explain $EDU_SW $A
ok "explain: an absent device is named" out_has 'no PCI device 0000:09:00.0' $P explain 0000:09:00.0 $A

# load / set / replace / unload
ok "load size_threshold --set min_p2p_bytes=1M" $P load size_threshold --set min_p2p_bytes=1M
ok "... attaches it" stdout_is size_threshold cat /sys/kernel/p2pmap/policy
ok "its link is pinned" [ -e /sys/fs/bpf/p2pmap/link ]
ok "... and its data map" [ -e /sys/fs/bpf/p2pmap/maps/size_thr_data ]
ok "status shows the tunable set at load" stdout_has 'min_p2p_bytes = 1048576' $P status
ok "512 KiB bounces under min_p2p_bytes=1M" \
   json '.verdict == "BOUNCE" and .policy == "size_threshold"' $P explain $A $EDU_SW --size 512K --json
ok "set min_p2p_bytes=256K" $P set min_p2p_bytes=256K
ok "... changes the running policy's variable" json '.policy.tunables.min_p2p_bytes == 262144' $P status --json
ok "... and 512 KiB now goes P2P" json '.verdict == "P2P"' $P explain $A $EDU_SW --size 512K --json
ok "set of an unknown tunable is refused" out_has "no writable tunable 'nosuch'" $P set nosuch=1
ok "load with an unknown tunable fails" \
   out_has "has no tunable 'nosuch' (has: min_p2p_bytes)" $P load size_threshold --set nosuch=1
ok "... and leaves the running policy" stdout_is size_threshold cat /sys/kernel/p2pmap/policy
id1=$($P status --json | jq -r .policy.link_id)
$P load bounce_all >$o 2>&1
ok "load of another policy replaces the attached one" grep -q 'policy bounce_all replaces size_threshold (atomically' $o
ok "... which is then attached" stdout_is bounce_all cat /sys/kernel/p2pmap/policy
ok "... through the same link (its update)" [ "$($P status --json | jq -r .policy.link_id)" = "$id1" ]
ok "... and the old policy's maps are unpinned" [ ! -e /sys/fs/bpf/p2pmap/maps/size_thr_data ]
ok "load FILE.bpf.o" $P load tests/bpf/../../build/tests/bpf/garbage.bpf.o
ok "... attaches a policy object from a file" stdout_is garbage cat /sys/kernel/p2pmap/policy
ok "a policy the verifier refuses: its reason in one line" \
   out_has 'the verifier says:.*only read is supported' $P load build/tests/bpf/bad_write_ctx.bpf.o
ok "... the running policy stays" stdout_is garbage cat /sys/kernel/p2pmap/policy
ok "a replacement the module refuses (its init() fails): the module's reason from last_error" \
   out_has 'cannot replace policy garbage with init_fail .*p2pmap says: policy "init_fail": init() returned -22, not attached' \
   $P load build/tests/bpf/init_fail.bpf.o
ok "... the running policy stays" stdout_is garbage cat /sys/kernel/p2pmap/policy
ok "unload detaches" stdout_has 'policy garbage detached' $P unload
ok "... no policy is attached" stdout_is none cat /sys/kernel/p2pmap/policy
ok "... and the pins are gone" [ ! -e /sys/fs/bpf/p2pmap/link ]
ok "a policy the module refuses (unknown flags): the module's reason from last_error" \
   out_has 'p2pmap says: policy "bad_flags" refused: unknown flags 0x80' $P load build/tests/bpf/bad_flags.bpf.o
ok "... nothing attached" stdout_is none cat /sys/kernel/p2pmap/policy
ok "a policy the module refuses at load (sleepable): the module's reason from last_error" \
   out_has 'p2pmap says: .*must not be sleepable' $P load build/tests/bpf/bad_sleepable.bpf.o
ok "... nothing attached" stdout_is none cat /sys/kernel/p2pmap/policy
ok "unload with nothing attached says so (exit 0)" stdout_has 'no policy was attached' $P unload
mkdir -p /sys/fs/bpf/p2pmap
bpftool struct_ops register bpf/topology.bpf.o /sys/fs/bpf/p2pmap >/dev/null 2>&1
ok "load while bpftool's policy is attached: refused with the reason" \
   out_has 'policy topology is attached by another program' $P load bounce_all
ok "unload also removes a link bpftool pinned there" $P unload
ok "... no policy is attached" stdout_is none cat /sys/kernel/p2pmap/policy

# rules
ok "rules without the rules policy: clear error" out_has 'no rules policy is loaded' $P rules list
$P load rules >/dev/null
ok "rules add: a per-pair rule with size ranges" \
   stdout_has "^added rule: provider $A, client 1234:11e8: 0-64K:bounce 64K-:p2p" $P rules add $A 1234:11e8 0-64K:bounce 64K-:p2p
ok "rules add: any provider to one client" stdout_has '^added rule' $P rules add any $EDU_RC reject
ok "rules add of the same pair replaces" stdout_has '^replaced rule' $P rules add any $EDU_RC bounce
ok "the rule bounces 16 KiB from A to the switch edu" \
   json '.verdict == "BOUNCE" and .reason == "policy"' $P explain $A $EDU_SW --size 16K --json
ok "... and sends 1 MiB P2P" json '.verdict == "P2P"' $P explain $A $EDU_SW --size 1M --json
# The map is read-only to user space: rules go through the policy's writer, which p2ppolicy
# pinned beside it, so a write that would bypass the verdict cache is refused, not missed.
zeros() { printf '00 %.0s' $(seq "$1"); }
ok "bpftool map update of the rules map is refused (EPERM)" \
   out_has 'Operation not permitted' bpftool map update pinned /sys/fs/bpf/p2pmap/maps/p2pmap_rules \
   key hex $(zeros 24) value hex $(zeros 112)
ok "... and the writer is pinned beside the map" [ -e /sys/fs/bpf/p2pmap/maps/p2pmap_rules_write ]
build/tests/t_stats --workload >/dev/null 2>&1
$P rules list --json >$o
ok "rules list --json: two rules with their hits" j 'length == 2 and ([.[].hits] | add) >= 4'
ok "rules del removes a rule" stdout_has '^deleted rule' $P rules del $A 1234:11e8
ok "... one rule is left" [ "$($P rules list | grep -c '^any')" = 1 ]
ok "rules del of a missing rule says so" out_has "no rule for provider $A, client 1234:11e8" $P rules del $A 1234:11e8
ok "rules add refuses overlapping ranges" exits 2 $P rules add 03:00.0 any 0-1M:p2p 512K-:bounce

# pairs
$P pairs >$o
ok "pairs lists A -> switch edu with the kernel's verdict" grep -q "^$A  $EDU_SW  bus-address     4 " $o
$P pairs --json >$o
ok "pairs --json parses; only pairs with mappings by default" \
   j 'length >= 4 and all(.[]; .decisions_p2p + .decisions_bounce + .decisions_reject > 0)'
$P pairs --all --json >$o
n_all=$(jq length $o)
ok "pairs --all lists idle pairs too ($n_all)" [ "$n_all" -gt 4 ]
$P pairs --reset >/dev/null
$P pairs --json >$o
ok "pairs --reset zeroes the counters" j 'length == 0'
ok "unload the rules policy" $P unload
# The bash completion names the lab's PCI devices: the providers first, then the clients.
C="bash tests/lib/complete.sh $P"
ok "completion: explain's PROVIDER is a P2P provider ($($C explain ''))" stdout_is "$A $B " $C explain ''
ok "completion: verify's CLIENT is a device with a driver ($($C verify $B ''))" stdout_has "$EDU_SW" $C verify $B ''
ok "... the other one" stdout_has "$EDU_RC" $C verify $B ''
ok "... not a bridge or the host bridge" not stdout_has -F '0000:00:00.0' $C verify $B ''
ok "completion: a partial address completes" stdout_is "$B " $C override add 0000:05
done_tap
