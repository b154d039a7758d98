#!/bin/sh
# p2ppolicy against the real module in the lab: every command, --json that parses, errors.
. tests/lib/tap.sh
P=build/user/p2ppolicy
A=0000:03:00.0 B=0000:05:00.0 EDU_SW=0000:04:00.0 EDU_RC=0000:00:06.0
o=/tmp/p2ppolicy.out
# $j FILTER: the jq FILTER holds for the JSON in $o (a script, since ok runs its check in
# sh -c; jq, not python3, which takes 1-2 s to start under TCG).
echo 'exec jq -e "$2" "$1" >/dev/null' >/tmp/j
j="sh /tmp/j $o"
$P unload >/dev/null 2>&1

$P status >$o 2>&1
V=$(cat VERSION)
ok "grep -q '^module:     p2pmap $V' $o && grep -q '^policy:     none' $o" "status: module version, no policy"
$P status --json >$o
ok "$j '.version == \"$V\" and (.policy | has(\"name\")) and .policy.name == null and (.counters | has(\"decisions_p2p\"))'" \
   "status --json parses and has the counters"

$P devices >$o 2>&1
ok "grep -q '^$A  1b36:0010  nvme .* 64 MiB .* yes' $o && grep -q '^$B ' $o" "devices lists both providers with their p2pmem"
ok "grep -q '^$EDU_SW  1234:11e8  p2pmap_edu   bus-address (4)    refused' $o" \
   "devices: the switch's edu reaches A by bus address (distance 4), not B"
ok "grep -q '^$EDU_RC  1234:11e8  p2pmap_edu   refused            refused' $o" \
   "devices: the root-complex edu reaches neither"
$P devices --json >$o
ok "$j '(.providers | length) == 2 and [.pairs[] | select(.provider == \"$A\" and .client == \"$EDU_SW\") | .kernel_verdict] == [\"bus-address\"]'" \
   "devices --json parses and has the matrix"

$P explain 03:00.0 04:00.0 --size 16K >$o 2>&1
ok "grep -q '^$A -> $EDU_SW, 16 KiB, direction bidi: P2P' $o && grep -q 'to 0000:01:00.0' $o" \
   "explain: A -> switch edu is P2P through the switch 0000:01:00.0"
$P explain $B $EDU_SW --json >$o
ok "$j '.verdict == \"BOUNCE\" and .reason == \"no-common-bridge\" and .distance == -1'" \
   "explain --json: B -> switch edu bounces, no common bridge"
ok "$P explain 03:00.0 1234:11e8 2>&1 | grep -q 'matches 2 devices'" "explain: an ambiguous vendor:device is refused"
ok "$P explain $EDU_SW $A 2>&1 | grep -q 'publishes no P2P memory' && { $P explain $EDU_SW $A; [ \$? = 1 ]; }" \
   "explain: a client as provider is a clear error, exit 1"
ok "$P explain 0000:09:00.0 $A 2>&1 | grep -q 'no PCI device 0000:09:00.0'" "explain: an absent device is named"

# load / set / replace / unload
ok "$P load size_threshold --set min_p2p_bytes=1M && [ \$(cat /sys/kernel/p2pmap/policy) = size_threshold ]" \
   "load size_threshold --set min_p2p_bytes=1M attaches it"
ok "[ -e /sys/fs/bpf/p2pmap/link ] && [ -e /sys/fs/bpf/p2pmap/maps/size_thr_data ]" "its link and data map are pinned"
ok "$P status | grep -q 'min_p2p_bytes = 1048576'" "status shows the tunable set at load"
ok "$P explain $A $EDU_SW --size 512K --json >$o && $j '.verdict == \"BOUNCE\" and .policy == \"size_threshold\"'" \
   "512 KiB bounces under min_p2p_bytes=1M"
ok "$P set min_p2p_bytes=256K && $P status --json >$o && $j '.policy.tunables.min_p2p_bytes == 262144'" \
   "set min_p2p_bytes=256K changes the running policy's variable"
ok "$P explain $A $EDU_SW --size 512K --json >$o && $j '.verdict == \"P2P\"'" "... and 512 KiB now goes P2P"
ok "$P set nosuch=1 2>&1 | grep -q \"no writable tunable 'nosuch'\"" "set of an unknown tunable is refused"
ok "$P load size_threshold --set nosuch=1 2>&1 | grep -q \"has no tunable 'nosuch' (has: min_p2p_bytes)\" && [ \$(cat /sys/kernel/p2pmap/policy) = size_threshold ]" \
   "load with an unknown tunable fails and leaves the running policy"
id1=$($P status --json | jq -r .policy.link_id)
$P load bounce_all >$o 2>&1
ok "grep -q 'policy bounce_all replaces size_threshold (atomically' $o && [ \$(cat /sys/kernel/p2pmap/policy) = bounce_all ]" \
   "load of another policy replaces the attached one"
ok "[ \"\$($P status --json | jq -r .policy.link_id)\" = '$id1' ]" \
   "... through the same link (its update)"
ok "[ ! -e /sys/fs/bpf/p2pmap/maps/size_thr_data ]" "... and the old policy's maps are unpinned"
ok "$P load tests/bpf/../../build/tests/bpf/garbage.bpf.o >/dev/null && [ \$(cat /sys/kernel/p2pmap/policy) = garbage ]" \
   "load FILE.bpf.o attaches a policy object from a file"
ok "$P load build/tests/bpf/bad_write_ctx.bpf.o 2>&1 | grep -q 'the verifier says:.*only read is supported' && [ \$(cat /sys/kernel/p2pmap/policy) = garbage ]" \
   "a policy the verifier refuses: its reason in one line, the running policy stays"
ok "$P load build/tests/bpf/init_fail.bpf.o 2>&1 | grep -q 'cannot replace policy garbage with init_fail .*p2pmap says: policy \"init_fail\": init() returned -22, not attached' && [ \$(cat /sys/kernel/p2pmap/policy) = garbage ]" \
   "a replacement the module refuses (its init() fails): the module's reason from last_error, the running policy stays"
ok "$P unload | grep -q 'policy garbage detached' && [ \$(cat /sys/kernel/p2pmap/policy) = none ] && [ ! -e /sys/fs/bpf/p2pmap/link ]" \
   "unload detaches and removes the pins"
ok "$P load build/tests/bpf/bad_flags.bpf.o 2>&1 | grep -q 'p2pmap says: policy \"bad_flags\" refused: unknown flags 0x80' && [ \$(cat /sys/kernel/p2pmap/policy) = none ]" \
   "a policy the module refuses (unknown flags): the module's reason from last_error, nothing attached"
ok "$P load build/tests/bpf/bad_sleepable.bpf.o 2>&1 | grep -q 'p2pmap says: .*must not be sleepable' && [ \$(cat /sys/kernel/p2pmap/policy) = none ]" \
   "a policy the module refuses at load (sleepable): the module's reason from last_error"
ok "$P unload | grep -q 'no policy was attached'" "unload with nothing attached says so (exit 0)"
mkdir -p /sys/fs/bpf/p2pmap
bpftool struct_ops register bpf/topology.bpf.o /sys/fs/bpf/p2pmap >/dev/null 2>&1
ok "$P load bounce_all 2>&1 | grep -q 'policy topology is attached by another program'" \
   "load while bpftool's policy is attached: refused with the reason"
ok "$P unload >/dev/null && [ \$(cat /sys/kernel/p2pmap/policy) = none ]" "unload also removes a link bpftool pinned there"

# rules
ok "$P rules list 2>&1 | grep -q 'no rules policy is loaded'" "rules without the rules policy: clear error"
$P load rules >/dev/null
ok "$P rules add $A 1234:11e8 0-64K:bounce 64K-:p2p | grep -q '^added rule: provider $A, client 1234:11e8: 0-64K:bounce 64K-:p2p'" \
   "rules add: a per-pair rule with size ranges"
ok "$P rules add any $EDU_RC reject | grep -q '^added rule'" "rules add: any provider to one client"
ok "$P rules add any $EDU_RC bounce | grep -q '^replaced rule'" "rules add of the same pair replaces"
ok "$P explain $A $EDU_SW --size 16K --json >$o && $j '.verdict == \"BOUNCE\" and .reason == \"policy\"'" \
   "the rule bounces 16 KiB from A to the switch edu"
ok "$P explain $A $EDU_SW --size 1M --json >$o && $j '.verdict == \"P2P\"'" "... and sends 1 MiB P2P"
build/tests/t_stats --workload >/dev/null 2>&1
$P rules list --json >$o
ok "$j 'length == 2 and ([.[].hits] | add) >= 4'" "rules list --json: two rules with their hits"
ok "$P rules del $A 1234:11e8 | grep -q '^deleted rule' && $P rules list | grep -c '^any' | grep -q 1" "rules del removes a rule"
ok "$P rules del $A 1234:11e8 2>&1 | grep -q 'no rule for provider $A, client 1234:11e8'" "rules del of a missing rule says so"
ok "$P rules add 03:00.0 any 0-1M:p2p 512K-:bounce 2>/dev/null; [ \$? = 2 ]" "rules add refuses overlapping ranges"

# pairs
$P pairs >$o
ok "grep -q '^$A  $EDU_SW  bus-address     4 ' $o" "pairs lists A -> switch edu with the kernel's verdict"
$P pairs --json >$o
ok "$j 'length >= 4 and all(.[]; .decisions_p2p + .decisions_bounce + .decisions_reject > 0)'" \
   "pairs --json parses; only pairs with mappings by default"
$P pairs --all --json >$o
n_all=$(jq length $o)
ok "[ $n_all -gt 4 ]" "pairs --all lists idle pairs too ($n_all)"
$P pairs --reset >/dev/null
$P pairs --json >$o
ok "$j 'length == 0'" "pairs --reset zeroes the counters"
ok "$P unload >/dev/null" "unload the rules policy"
# The bash completion names the lab's PCI devices: the providers first, then the clients.
C="bash tests/lib/complete.sh $P"
ok "[ \"\$($C explain '')\" = '$A $B ' ]" "completion: explain's PROVIDER is a P2P provider ($($C explain ''))"
ok "$C verify $B '' | grep -q '$EDU_SW' && $C verify $B '' | grep -q '$EDU_RC' && ! $C verify $B '' | grep -qF '0000:00:00.0'" \
   "completion: verify's CLIENT is a device with a driver, not a bridge or the host bridge ($($C verify $B ''))"
ok "[ \"\$($C override add 0000:05)\" = '$B ' ]" "completion: a partial address completes"
done_tap
