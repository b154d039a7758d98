#!/bin/sh
# p2ppolicy daemon in the lab: readiness, SIGHUP changes real verdicts, a bad reload keeps the
# policy, one instance, PCI hotplug rewrites the rules, SIGTERM keeps or detaches.
. tests/lib/tap.sh
P=build/user/p2ppolicy
A=0000:03:00.0 B=0000:05:00.0 EDU_SW=0000:04:00.0 EDU_RC=0000:00:06.0
t=/tmp/daemon
mkdir -p $t
log=$t/log
# verdict PROVIDER CLIENT SIZE: the verdict p2ppolicy explain gives the pair for SIZE bytes.
verdict() { $P explain "$1" "$2" --size "$3" --json | jq -r .verdict; }
$P unload >/dev/null 2>&1

cat >$t/c1.conf <<CONF
[policy]
name = rules
on_exit = keep
[rule "A small bounce"]
provider = $A
client = 1234:11e8
verdict = 0-64K:bounce 64K-:p2p
CONF
cat >$t/c2.conf <<CONF
[policy]
name = rules
on_exit = detach
[rule "A always P2P"]
provider = $A
client = any
verdict = p2p
[rule "root-complex edu rejected"]
provider = any
client = $EDU_RC
verdict = reject
CONF

# A notify socket, as systemd gives one, to see READY=1.
python3 - $t/notify.sock $t/notify.log <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode() + "\n---\n")
PY
npid=$!
wait_until 5 [ -S $t/notify.sock ]

cp $t/c1.conf $t/p2ppolicy.conf
NOTIFY_SOCKET=$t/notify.sock $P daemon --config $t/p2ppolicy.conf --pidfile $t/pid >$log 2>&1 &
dpid=$!
wait_for READY=1 $t/notify.log
ok "the daemon tells the service manager it is ready (READY=1)" grep -q READY=1 $t/notify.log
ok "... with its STATUS" grep -q 'STATUS=policy rules, 1 rules' $t/notify.log
ok "the configured policy is attached" stdout_is rules cat /sys/kernel/p2pmap/policy
ok "the pid file holds the daemon's pid" stdout_is $dpid cat $t/pid
ok "the configured rule decides real verdicts (16 KiB bounce)" stdout_is BOUNCE verdict $A $EDU_SW 16K
ok "... (1 MiB P2P)" stdout_is P2P verdict $A $EDU_SW 1M
$P daemon --config $t/p2ppolicy.conf --pidfile $t/pid >$t/second 2>&1
rc=$?
ok "a second daemon is refused (exit $rc)" [ $rc = 1 ]
ok "... naming the running one" grep -q "another p2ppolicy daemon is running (pid $dpid" $t/second

# SIGHUP with a changed configuration: new verdicts.
cp $t/c2.conf $t/p2ppolicy.conf
kill -HUP $dpid
wait_for 'reloaded: policy rules' $log
ok "SIGHUP reloads the changed configuration" grep -q 'reloaded: policy rules with 0 tunables and 2 rules' $log
ok "... and the new rules decide (A -> switch edu 16 KiB now P2P)" stdout_is P2P verdict $A $EDU_SW 16K
ok "... (B -> root-complex edu rejected)" stdout_is REJECT verdict $B $EDU_RC 16K
ok "the reload is announced to the service manager (once)" [ "$(grep -c RELOADING=1 $t/notify.log)" = 1 ]

# A bad configuration on reload: refused with file:line, the policy stays.
printf '[policy]\nname = rules\n[rule x]\nprovider = 03:00.0\nclient = any\nverdict = sometimes\n' >$t/p2ppolicy.conf
kill -HUP $dpid
wait_for 'reload refused' $log
ok "a bad configuration on reload is refused with file:line and the reason" \
   grep -q "reload refused: $t/p2ppolicy.conf:6: verdict: unknown verdict 'sometimes'" $log
ok "... and the running policy stays" stdout_is rules cat /sys/kernel/p2pmap/policy
ok "... and its rules" stdout_is REJECT verdict $B $EDU_RC 16K
printf '[policy]\nname = size_threshold\n[tunables]\nmin_bytes = 1\n' >$t/p2ppolicy.conf
kill -HUP $dpid
wait_for 'reload failed' $log
ok "a tunable the policy lacks fails the reload" grep -q "p2ppolicy.conf:4: policy size_threshold has no tunable 'min_bytes'" $log
ok "... the running policy stays" stdout_is REJECT verdict $B $EDU_RC 16K
cp $t/c2.conf $t/p2ppolicy.conf
kill -HUP $dpid
wait_for 'reloaded: policy rules with 0 tunables and 2 rules' $log 2

# Hotplug: a rule deleted by hand comes back when a PCI device comes and goes.
$P rules del any $EDU_RC >/dev/null
ok "(a rule deleted by hand)" stdout_is BOUNCE verdict $B $EDU_RC 16K
echo 1 >/sys/bus/pci/devices/$EDU_RC/remove
wait_for "PCI device $EDU_RC: remove" $log
echo 1 >/sys/bus/pci/rescan
wait_for "PCI device $EDU_RC: bind" $log
sleep 0.5
ok "the daemon sees the device removed" grep -q "PCI device $EDU_RC: remove" $log
ok "... and added again" grep -q "PCI device $EDU_RC: add" $log
ok "... and rewrites the rules from the configuration" grep -q "rules re-applied from $t/p2ppolicy.conf: 2 rules, 1 changed" $log
ok "... which decide again" stdout_is REJECT verdict $B $EDU_RC 16K

# SIGTERM with on_exit = detach.
kill $dpid
wait $dpid
rc=$?
ok "SIGTERM with on_exit = detach: clean exit ($rc)" [ $rc = 0 ]
ok "... the daemon says the policy is detached" grep -q 'policy rules detached (on_exit = detach)' $log
ok "... and it is" stdout_is none cat /sys/kernel/p2pmap/policy
ok "... the pid file is gone" [ ! -e $t/pid ]
ok "... and STOPPING=1 was sent" grep -q STOPPING=1 $t/notify.log

# SIGTERM with on_exit = keep.
cp $t/c1.conf $t/p2ppolicy.conf
$P daemon --config $t/p2ppolicy.conf --pidfile $t/pid >$log 2>&1 &
dpid=$!
wait_for 'watching PCI devices' $log
kill $dpid
wait $dpid
rc=$?
ok "SIGTERM with on_exit = keep: clean exit ($rc)" [ $rc = 0 ]
ok "... the daemon says the policy stays attached" grep -q 'stays attached (on_exit = keep)' $log
ok "... and it does" stdout_is rules cat /sys/kernel/p2pmap/policy
ok "a missing configuration: one clear line" out_has 'none.conf: No such file' $P daemon --config $t/none.conf --pidfile $t/pid
ok "unload after the daemon" $P unload
ok "... detaches the policy" stdout_is none cat /sys/kernel/p2pmap/policy
kill $npid 2>/dev/null
[ $_fail = 0 ] || sed 's/^/#   /' $log
done_tap
