#!/bin/sh
# Kernel lockdown: under lockdown=integrity, VERIFY (a probe that steers the client's DMA into
# a provider's memory) and OVERRIDE's add are refused with EPERM, as other interfaces that let
# user space steer DMA are; turning an override off and mapping still work. Lockdown cannot be
# lowered again, so this runs last in its boot, and unloads the modules itself.
. tests/lib/tap.sh
P=build/user/p2ppolicy
B=0000:05:00.0 EDU_SW=0000:04:00.0
L=/sys/kernel/security/lockdown
t=/tmp/lockdown
mkdir -p $t
[ -e $L ] || mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
ok "lockdown is available and off at boot ($(cat $L 2>/dev/null))" grep -q '\[none\]' $L
$P override del $B $EDU_SW >/dev/null 2>&1
$P verify $B $EDU_SW >$t/before.out 2>&1
rc=$?
ok "before lockdown: verify passes (exit $rc)" [ $rc = 0 ]
ok "... its report says PASS" grep -q '^result: PASS' $t/before.out
$P override add $B $EDU_SW >/dev/null 2>&1
ok "before lockdown: override add" [ $? = 0 ]

echo integrity >$L
ok "lockdown raised to integrity" grep -q '\[integrity\]' $L
$P verify $B $EDU_SW >$t/verify.out 2>&1
rc=$?
sed 's/^/#   /' $t/verify.out
# Refused: a failure, not a crash (no status of 128 and above).
ok "under lockdown: verify is refused (exit $rc)" [ $((rc != 0 && rc < 128)) = 1 ]
ok "... saying why" grep -qi 'not permitted\|lockdown\|needs root' $t/verify.out
$P override del $B $EDU_SW >$t/del.out 2>&1
ok "under lockdown: override del still turns P2P off" [ $? = 0 ]
$P override add $B $EDU_SW >$t/add.out 2>&1
rc=$?
sed 's/^/#   /' $t/add.out
ok "under lockdown: override add is refused (exit $rc)" [ $((rc != 0 && rc < 128)) = 1 ]
ok "the kernel logs the refusal" stdout_has 'lockdown' dmesg
# The data path is not an interface that steers DMA by itself: mapping still works.
cat >$t/map.py <<'PY'
import ctypes, fcntl, mmap, struct
buf = mmap.mmap(-1, 4096)
addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
fmt = "=IIIBBHIIQQQIIQQQ"	# struct p2pmap_map; the root-complex edu, 0000:00:06.0, BIDIRECTIONAL
a = bytearray(struct.pack(fmt, struct.calcsize(fmt), 0, 0, 0, 6 << 3, 0, 3, 0, addr, 4096,
                          0, 0, 0, 0, 0, 0))
with open("/dev/p2pmap", "r+b", buffering=0) as f:
    fcntl.ioctl(f, 0xB9 << 8, a)	# P2PMAP_IOC_MAP; the handle goes with the file
PY
ok "under lockdown: MAP of RAM through /dev/p2pmap still works" python3 $t/map.py
ok "p2pmap_test unloads under lockdown" rmmod p2pmap_test
ok "p2pmap_edu unloads under lockdown" rmmod p2pmap_edu
ok "p2pmap unloads under lockdown" rmmod p2pmap
done_tap
