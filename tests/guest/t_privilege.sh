#!/bin/sh
# Privilege: an unprivileged user (nobody, no capabilities) can neither open the device nodes,
# nor map through an inherited /dev/p2pmap descriptor, nor attach, change or remove a policy,
# nor change rules. Every denial is a clean error exit, never a crash (exit status >= 128).
. tests/lib/tap.sh
P=build/user/p2ppolicy
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
edu=$(ls /dev/p2pmap-edu* | head -1)
ok "/dev/p2pmap is mode 0600" stdout_is 600 stat -c %a /dev/p2pmap
ok "/dev/p2pmap is root's" stdout_is root stat -c %U /dev/p2pmap
ok "$edu is mode 0600" stdout_is 600 stat -c %a "$edu"
ok "nobody cannot open /dev/p2pmap" not $NOBODY sh -c 'exec 3<>/dev/p2pmap'
ok "nobody cannot open $edu" not $NOBODY sh -c "exec 3<>$edu"
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
# (3<> on the ok line opens the descriptor for the command ok runs.)
ok "MAP through a descriptor root opened and nobody inherited: EPERM" $NOBODY python3 /tmp/map3.py 3<>/dev/p2pmap
ok "(the same call as root maps: the test can tell the difference)" exits 1 python3 /tmp/map3.py 3<>/dev/p2pmap
$P load size_threshold >/dev/null 2>&1	# as root: a policy the attempts below must leave alone
b=$(build/user/p2ppolicy status --json | jq -r .policy.name 2>/dev/null)
for cmd in "load topology" "load bounce_all" "unload" "set min_p2p_bytes=1" \
	   "rules add 0000:03:00.0 any bounce" "rules del 0000:03:00.0 any" "pairs --reset"; do
	$NOBODY $P $cmd >/tmp/priv.out 2>&1
	rc=$?
	ok "nobody: p2ppolicy $cmd fails cleanly (exit $rc)" [ $rc = 1 ]
	ok "... saying why ($(head -c 120 /tmp/priv.out | tr '\n' ' '))" grep -q 'needs root\|permission denied' /tmp/priv.out
done
a=$(build/user/p2ppolicy status --json | jq -r .policy.name 2>/dev/null)
ok "the policy is unchanged after the attempts ($a)" [ "$a" = "$b" ]
$NOBODY bpftool struct_ops register bpf/bounce_all.bpf.o >/tmp/priv.out 2>&1
rc=$?
# A failure, and no crash: no status of 128 and above but bpftool's own 255.
ok "nobody: bpftool struct_ops register fails cleanly (exit $rc)" [ $((rc != 0 && (rc < 128 || rc == 255))) = 1 ]
ok "still the policy root attached ($a)" [ "$a" = size_threshold ]
ok "... as the module says" stdout_is size_threshold cat /sys/kernel/p2pmap/policy
$P unload >/dev/null 2>&1
done_tap
