#!/bin/sh
# p2ppolicy verify and override in the lab (t_override is the kernel side, privilege too): the
# probe's report and tracepoint, a failing probe through the CLI, override add/del as explain
# and pairs show them, a policy deciding on an overridden pair, and the daemon's [override]
# section (verified at start, again after the client is rebound). Few process runs: each
# costs seconds under TCG.
. tests/lib/tap.sh
P=build/user/p2ppolicy
B=0000:05:00.0 EDU_SW=0000:04:00.0
FAULT=/sys/module/p2pmap_edu/parameters/probe_fault
TR=/sys/kernel/tracing
t=/tmp/override
mkdir -p $t
$P unload >/dev/null 2>&1
$P override del $B $EDU_SW >/dev/null 2>&1

# The probe, its report and its tracepoint.
echo 1 >$TR/events/p2pmap/p2pmap_probe/enable
echo >$TR/trace
$P verify $B $EDU_SW >$t/verify.out 2>&1
rc=$?
echo 0 >$TR/events/p2pmap/p2pmap_probe/enable
sed 's/^/#   /' $t/verify.out
ok "[ $rc = 0 ] && grep -q '^result: PASS' $t/verify.out && [ \$(grep -c '^  read .* pass\$' $t/verify.out) = 4 ] && [ \$(grep -c '^  write .* pass\$' $t/verify.out) = 4 ]" \
   "verify: 4 reads and 4 writes pass, exit 0"
ok "grep -q '^override: verified .*, not enabled' $t/verify.out" "verify alone does not enable the override"
ok "grep -q 'p2pmap_probe: provider=0000:05:00.0 client=0000:04:00.0 result=pass transfers=8' $TR/trace" \
   "the p2pmap_probe tracepoint reports the result"

# Override on: explain and pairs show it; a policy decides with it.
$P override add $B $EDU_SW >$t/add.out 2>&1
ok "[ $? = 0 ] && grep -q 'enabled: P2P allowed' $t/add.out && ! grep -q probing $t/add.out" \
   "override add after verify: enabled without a new probe"
$P explain $B $EDU_SW --json >$t/explain.json
ok "grep -q '\"verdict\":\"P2P\"' $t/explain.json && grep -q '\"reason\":\"verified-override\"' $t/explain.json && grep -q '\"enabled\":true' $t/explain.json && grep -q '\"verified_at\":[1-9]' $t/explain.json" \
   "explain --json: P2P, verified-override, the override and its verification time"
$P pairs --all >$t/pairs.out
ok "grep -A1 '^verified overrides:' $t/pairs.out | grep -q '^$B  *$EDU_SW  *verified .*enabled: P2P allowed; probes passed 1'" \
   "pairs shows the override and its verification time"
$P load topology >/dev/null 2>&1
r1=$($P explain $B $EDU_SW | grep -o '\[[a-z-]*\]$')
$P unload >/dev/null 2>&1
ok "[ '$r1' = '[verified-override]' ]" \
   "the topology policy sees the override and goes P2P: $r1"
$P override del $B $EDU_SW >$t/del.out 2>&1
ok "[ $? = 0 ] && grep -q 'override verified .*not enabled' $t/del.out" \
   "override del: disabled, the verification stays"

# A failing probe: the signature, exit 1; override add probes first and refuses.
echo 1 >$FAULT
$P verify $B $EDU_SW >$t/fail.out 2>&1
rc=$?
$P override add $B $EDU_SW >$t/fail-add.out 2>&1
rc2=$?
echo 0 >$FAULT
sed 's/^/#   /' $t/fail.out
ok "[ $rc = 1 ] && grep -q '^  read .* all-ones (byte 0 is 0xff' $t/fail.out && grep -q '^result: FAIL: the data read all ones' $t/fail.out" \
   "verify with an all-ones path: the signature and the byte, exit 1"
ok "[ $rc2 = 1 ] && grep -q 'probing it first' $t/fail-add.out && grep -q '^override: none: the latest probe failed (all-ones)' $t/fail-add.out && grep -q 'override not enabled' $t/fail-add.out" \
   "override add on a failing pair: probed, refused, and says why"

# The daemon's [override]: verified and enabled at start, and again after a rebind.
cat >$t/p2ppolicy.conf <<CONF
[policy]
name = topology
on_exit = detach
[override]
pair = $B $EDU_SW
CONF
log=$t/daemon.log
$P daemon --config $t/p2ppolicy.conf --pidfile $t/pid >$log 2>&1 &
dpid=$!
wait_for 'watching PCI devices' $log
ok "grep -q 'override $B -> $EDU_SW verified (8 transfers, [0-9]* bytes) and enabled' $log && $P explain $B $EDU_SW | grep -q 'verified-override'" \
   "daemon: the [override] pair is verified and enabled at start"
echo $EDU_SW >/sys/bus/pci/drivers/p2pmap_edu/unbind
echo $EDU_SW >/sys/bus/pci/drivers/p2pmap_edu/bind
wait_for "override $B -> $EDU_SW verified" $log 2
ok "grep -q 'PCI device $EDU_SW: bind' $log && [ \$(grep -c 'override $B -> $EDU_SW verified' $log) = 2 ]" \
   "daemon: the client's rebind dropped the override; the daemon verified and enabled it again"
kill $dpid
wait $dpid
$P override del $B $EDU_SW >/dev/null 2>&1
[ $_fail = 0 ] || sed 's/^/#   /' $log
done_tap
