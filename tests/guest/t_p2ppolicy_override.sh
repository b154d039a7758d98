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
ok "verify: exit 0 ($rc)" [ $rc = 0 ]
ok "... PASS" grep -q '^result: PASS' $t/verify.out
ok "... 4 reads pass" [ "$(grep -c '^  read .* pass$' $t/verify.out)" = 4 ]
ok "... 4 writes pass" [ "$(grep -c '^  write .* pass$' $t/verify.out)" = 4 ]
ok "verify alone does not enable the override" grep -q '^override: verified .*, not enabled' $t/verify.out
ok "the p2pmap_probe tracepoint reports the result" \
   grep -q 'p2pmap_probe: provider=0000:05:00.0 client=0000:04:00.0 result=pass transfers=8' $TR/trace

# Override on: explain and pairs show it; a policy decides with it.
$P override add $B $EDU_SW >$t/add.out 2>&1
rc=$?
ok "override add after verify (exit $rc)" [ $rc = 0 ]
ok "... enabled" grep -q 'enabled: P2P allowed' $t/add.out
ok "... without a new probe" not grep -q probing $t/add.out
$P explain $B $EDU_SW --json >$t/explain.json
ok "explain --json: P2P" grep -q '"verdict":"P2P"' $t/explain.json
ok "... verified-override" grep -q '"reason":"verified-override"' $t/explain.json
ok "... the override" grep -q '"enabled":true' $t/explain.json
ok "... and its verification time" grep -q '"verified_at":[1-9]' $t/explain.json
$P pairs --all >$t/pairs.out
ok "pairs shows the override and its verification time" \
   stdout_has "^$B  *$EDU_SW  *verified .*enabled: P2P allowed; probes passed 1" grep -A1 '^verified overrides:' $t/pairs.out
$P load topology >/dev/null 2>&1
r1=$($P explain $B $EDU_SW | grep -o '\[[a-z-]*\]$')
$P unload >/dev/null 2>&1
ok "the topology policy sees the override and goes P2P: $r1" [ "$r1" = '[verified-override]' ]
$P override del $B $EDU_SW >$t/del.out 2>&1
rc=$?
ok "override del (exit $rc)" [ $rc = 0 ]
ok "... disabled, the verification stays" grep -q 'override verified .*not enabled' $t/del.out

# A failing probe: the signature, exit 1; override add probes first and refuses.
echo 1 >$FAULT
$P verify $B $EDU_SW >$t/fail.out 2>&1
rc=$?
$P override add $B $EDU_SW >$t/fail-add.out 2>&1
rc2=$?
echo 0 >$FAULT
sed 's/^/#   /' $t/fail.out
ok "verify with an all-ones path: exit 1 ($rc)" [ $rc = 1 ]
ok "... the signature and the byte" grep -q '^  read .* all-ones (byte 0 is 0xff' $t/fail.out
ok "... the result" grep -q '^result: FAIL: the data read all ones' $t/fail.out
ok "override add on a failing pair: refused, exit 1 ($rc2)" [ $rc2 = 1 ]
ok "... probed" grep -q 'probing it first' $t/fail-add.out
ok "... and says why" grep -q '^override: none: the latest probe failed (all-ones)' $t/fail-add.out
ok "... and that it did not enable it" grep -q 'override not enabled' $t/fail-add.out

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
ok "daemon: the [override] pair is verified and enabled at start" \
   grep -q "override $B -> $EDU_SW verified (8 transfers, [0-9]* bytes) and enabled" $log
ok "... explain says so" stdout_has 'verified-override' $P explain $B $EDU_SW
echo $EDU_SW >/sys/bus/pci/drivers/p2pmap_edu/unbind
echo $EDU_SW >/sys/bus/pci/drivers/p2pmap_edu/bind
wait_for "override $B -> $EDU_SW verified" $log 2
ok "daemon: the daemon sees the client's rebind" grep -q "PCI device $EDU_SW: bind" $log
ok "... which dropped the override; the daemon verified and enabled it again" \
   [ "$(grep -c "override $B -> $EDU_SW verified" $log)" = 2 ]
kill $dpid
wait $dpid
$P override del $B $EDU_SW >/dev/null 2>&1
[ $_fail = 0 ] || sed 's/^/#   /' $log
done_tap
