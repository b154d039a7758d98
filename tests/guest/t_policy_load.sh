#!/bin/sh
# Policies the module or the verifier must refuse, with a message that says why where the
# loader reads it (the verifier's log in bpftool's output, the module's reason in
# /sys/kernel/p2pmap/last_error); and a module that cannot be removed while a policy holds it.
. tests/lib/tap.sh
B=build/tests/bpf
PIN=/sys/fs/bpf/p2pmap
mkdir -p $PIN
log=/tmp/bpftool.log

# refused OBJECT WHERE PATTERN DESCRIPTION: bpftool fails cleanly (no SIGSEGV/SIGABRT), nothing is
# attached, and PATTERN is in bpftool's output (WHERE=out) or in the module's last_error
# (WHERE=last_error), which is cleared before each try.
LAST=/sys/kernel/p2pmap/last_error
refused() {
	echo >$LAST
	bpftool struct_ops register "$B/$1.bpf.o" $PIN >$log 2>&1
	rc=$?
	if [ "$2" = out ]; then src=$log; else cp $LAST /tmp/last_error; src=/tmp/last_error; fi
	ok "$4" refusal "$1" "$3"
	grep -q "$3" $src || { diag "bpftool exit $rc; output:"; sed 's/^/#   /' $log | tail -5; }
}
# refusal OBJECT PATTERN: bpftool's exit status $rc is a failure, not a crash (SIGSEGV, SIGABRT);
# PATTERN is in $src; no policy is attached and OBJECT is not pinned.
refusal() {
	[ $rc != 0 ] && [ $rc != 139 ] && [ $rc != 134 ] && grep -q "$2" "$src" &&
		[ "$(cat /sys/kernel/p2pmap/policy)" = none ] && [ ! -e "$PIN/$1" ]
}

refused bad_write_ctx out "only read is supported" "the verifier refuses a write to the context"
refused bad_oob out "access beyond struct p2pmap_policy_ctx" "the verifier refuses a read past the context"
refused bad_license out "must have a GPL compatible license" "a non-GPL policy is refused"
refused bad_sleepable last_error "must not be sleepable" "a sleepable decide() is refused"
refused bad_flags last_error "unknown flags 0x80" "unknown flags are refused"
refused bad_name last_error "must be 1-31 characters" "a name outside [A-Za-z0-9_.-] is refused"
refused no_decide last_error "has no decide()" "a policy without decide() is refused"
refused bad_holds out "calling kernel function p2pmap_verdict_holds is not allowed" \
	"the verifier refuses p2pmap_verdict_holds() outside decide()"
refused init_fail last_error "init() returned -22, not attached" "a policy whose init() fails is not attached"

ok "last_error holds the latest refusal" grep -q 'init() returned -22' $LAST
ok "... until a loader clears it" put "" $LAST
ok "... (then: none)" stdout_is none cat $LAST

# The module cannot go while a policy is attached; it can once the pin is gone.
bpftool struct_ops register $B/init_fail.bpf.o $PIN >/dev/null 2>&1
bpftool struct_ops register bpf/topology.bpf.o $PIN >/dev/null 2>&1
ok "topology attached for the rmmod test" stdout_is topology cat /sys/kernel/p2pmap/policy
ok "a policy that attaches clears last_error" stdout_is none cat $LAST
rmmod p2pmap_test; rmmod p2pmap_edu
rmmod p2pmap 2>$log
rc=$?
ok "rmmod p2pmap fails while a policy is attached (exit $rc)" [ $rc != 0 ]
ok "... the module is in use" grep -q 'in use' $log
ok "... and the module stays" [ -c /dev/p2pmap ]
ok "... and its policy" stdout_is topology cat /sys/kernel/p2pmap/policy
rm $PIN/topology
# The struct_ops map holds the module until BPF frees it, after an RCU grace period.
wait_until 5 rmmod p2pmap
ok "after removing the pin rmmod p2pmap succeeds" [ ! -e /sys/kernel/p2pmap ]
ok "p2pmap loads again" insmod kernel/p2pmap.ko
ok "p2pmap_edu loads again" insmod samples/p2pmap_edu/p2pmap_edu.ko $(sh tests/lib/modargs.sh p2pmap_edu)
ok "the test module loads again" insmod tests/kmod/p2pmap_test.ko
done_tap
