#!/bin/sh
# The probe reads the error status of every device on the pair's path before and after: a
# PCIe error raised while it runs fails a probe whose data was right ("aer-error"); an error
# already there when it started does not. QEMU raises the error: a correctable Receiver
# Error injected into provider B's root port (rp2) through the monitor while the probe runs
# (p2pmap_edu's probe_delay_ms stretches each transfer). The lab kernel has no AER driver, so
# nothing clears the status bit afterwards.
. tests/lib/tap.sh
P=build/user/p2ppolicy
B=0000:05:00.0 EDU_SW=0000:04:00.0
DELAY=/sys/module/p2pmap_edu/parameters/probe_delay_ms
t=/tmp/verify_aer
mkdir -p $t
$P override del $B $EDU_SW >/dev/null 2>&1
ok "p2pmap_edu has the probe_delay_ms knob" [ -w $DELAY ]

echo 400 >$DELAY
$P verify $B $EDU_SW >$t/during.out 2>&1 &
pid=$!
sleep 1
sh tests/lib/qmp.sh '{"execute": "human-monitor-command", "arguments": {"command-line": "pcie_aer_inject_error -c rp2 0x1"}}' >$t/qmp.out 2>&1
ok "QEMU injected a correctable error into rp2 ($(tr -d '\n' <$t/qmp.out | head -c 120))" grep -q '"return": "OK id: rp2' $t/qmp.out
wait $pid
rc=$?
echo 0 >$DELAY
sed 's/^/#   /' $t/during.out
ok "an error raised during the probe fails it, exit 1 ($rc)" [ $rc = 1 ]
ok "... saying why" grep -q '^result: FAIL: the data arrived, but a device on the path reported a PCIe error' $t/during.out
ok "the kernel log names the device and the new status bit" \
   stdout_has 'p2pmap: probe: .* reported an error: .*correctable 0x00000001' dmesg
ok "the probe's report says what became of the override" grep -q '^override: ' $t/during.out
ok "... the pair is not verified after that probe" not grep -q '^override: verified' $t/during.out

$P verify $B $EDU_SW >$t/after.out 2>&1
rc=$?
sed 's/^/#   /' $t/after.out
ok "the next probe passes, exit 0 ($rc): the error, still in rp2's status, is not new" [ $rc = 0 ]
ok "... its report says PASS" grep -q '^result: PASS' $t/after.out
$P override del $B $EDU_SW >/dev/null 2>&1
done_tap
