#!/bin/sh
# Privilege: an unprivileged user (nobody, no capabilities) can neither open the device nodes,
# nor map through an inherited /dev/p2pmap descriptor, nor attach, change or remove a policy,
# nor change rules. Every denial is a clean error exit, never a crash (exit status >= 128).
. tests/lib/tap.sh
P=build/user/p2ppolicy
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
edu=$(ls /dev/p2pmap-edu* | head -1)
ok "[ \$(stat -c %a /dev/p2pmap) = 600 ] && [ \$(stat -c %U /dev/p2pmap) = root ]" "/dev/p2pmap is root's, mode 0600"
ok "[ \$(stat -c %a $edu) = 600 ]" "$edu is mode 0600"
ok "! $NOBODY sh -c 'exec 3<>/dev/p2pmap' 2>/dev/null" "nobody cannot open /dev/p2pmap"
ok "! $NOBODY sh -c 'exec 3<>$edu' 2>/dev/null" "nobody cannot open $edu"
# A descriptor opened by root and inherited: MAP still needs CAP_SYS_ADMIN.
cat >/tmp/map3.py <<'PY'
import ctypes, errno, fcntl, mmap, struct, sys
buf = mmap.mmap(-1, 4096)
addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
bus, dev, fn = 0, 6, 0     # the root-complex edu, 0000:00:06.0
fmt = "=IIIBBHIIQQQIIQQQ"
a = bytearray(struct.pack(fmt, struct.calcsize(fmt), 0, 0, bus, dev << 3 | fn, 0, 3, 0, addr, 4096,
                          0, 0, 0, 0, 0, 0))
try:
    fcntl.ioctl(3, (0xB9 << 8) | 0x00, a)
except OSError as e:
    sys.exit(0 if e.errno == errno.EPERM else 1)
sys.exit(1)
PY
ok "$NOBODY python3 /tmp/map3.py 3<>/dev/p2pmap" "MAP through a descriptor root opened and nobody inherited: EPERM"
ok "python3 /tmp/map3.py 3<>/dev/p2pmap; [ \$? = 1 ]" "(the same call as root maps: the test can tell the difference)"
$P load size_threshold >/dev/null 2>&1	# as root: a policy the attempts below must leave alone
b=$(build/user/p2ppolicy status --json | jq -r .policy.name 2>/dev/null)
for cmd in "load topology" "load bounce_all" "unload" "set min_p2p_bytes=1" \
	   "rules add 0000:03:00.0 any bounce" "rules del 0000:03:00.0 any" "pairs --reset"; do
	$NOBODY $P $cmd >/tmp/priv.out 2>&1
	rc=$?
	ok "[ $rc = 1 ] && grep -q 'needs root\\|permission denied' /tmp/priv.out" "nobody: p2ppolicy $cmd fails cleanly (exit $rc: $(head -c 120 /tmp/priv.out | tr '\n' ' '))"
done
a=$(build/user/p2ppolicy status --json | jq -r .policy.name 2>/dev/null)
ok "[ '$a' = '$b' ]" "the policy is unchanged after the attempts ($a)"
$NOBODY bpftool struct_ops register bpf/bounce_all.bpf.o >/tmp/priv.out 2>&1
rc=$?
ok "[ $rc != 0 ] && { [ $rc -lt 128 ] || [ $rc = 255 ]; }" "nobody: bpftool struct_ops register fails cleanly (exit $rc)"
ok "[ '$a' = size_threshold ] && [ \$(cat /sys/kernel/p2pmap/policy) = size_threshold ]" "still the policy root attached"
$P unload >/dev/null 2>&1
done_tap
