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
ok "grep -q '\\[none\\]' $L" "lockdown is available and off at boot ($(cat $L 2>/dev/null))"
$P override del $B $EDU_SW >/dev/null 2>&1
$P verify $B $EDU_SW >$t/before.out 2>&1
ok "[ $? = 0 ] && grep -q '^result: PASS' $t/before.out" "before lockdown: verify passes"
$P override add $B $EDU_SW >/dev/null 2>&1
ok "[ $? = 0 ]" "before lockdown: override add"

echo integrity >$L
ok "grep -q '\\[integrity\\]' $L" "lockdown raised to integrity"
$P verify $B $EDU_SW >$t/verify.out 2>&1
rc=$?
sed 's/^/#   /' $t/verify.out
ok "[ $rc != 0 ] && [ $rc -lt 128 ] && grep -qi 'not permitted\\|lockdown\\|needs root' $t/verify.out" \
   "under lockdown: verify is refused (exit $rc)"
$P override del $B $EDU_SW >$t/del.out 2>&1
ok "[ $? = 0 ]" "under lockdown: override del still turns P2P off"
$P override add $B $EDU_SW >$t/add.out 2>&1
rc=$?
sed 's/^/#   /' $t/add.out
ok "[ $rc != 0 ] && [ $rc -lt 128 ]" "under lockdown: override add is refused (exit $rc)"
ok "dmesg | grep -q 'lockdown'" "the kernel logs the refusal"
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
ok "python3 $t/map.py" "under lockdown: MAP of RAM through /dev/p2pmap still works"
ok "rmmod p2pmap_test && rmmod p2pmap_edu && rmmod p2pmap" "the modules unload under lockdown"
done_tap
