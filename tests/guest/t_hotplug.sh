#!/bin/sh
# Hot-unplug (lab variant "hotplug"): provider B and an edu are removed through QEMU's monitor
# (QMP device_del, sent by tests/vm/qmp-agent.py) while t_stress moves data over every pair,
# with mappings live. No oops and no use-after-free (the runner watches the log; KASAN with
# `make check KASAN=1`); transfers to the devices that go away fail with an errno; the pair
# table and `p2ppolicy devices` forget them; device_add brings them back, and data moves
# correctly over every pair again. A verified override of (B, the root-port edu) is on while
# they go (its mappings are the module's dma_map_resource() ones); the re-plugged B is not
# verified until it is probed again. N cycles (default 1; the first argument overrides).
. tests/lib/tap.sh
N=${1:-1}
P=build/user/p2ppolicy
W="sh tests/lib/wait-path.sh"
Q="sh tests/lib/qmp.sh"
B=0000:05:00.0 E=0000:06:00.0
c=0
while [ $c -lt $N ]; do
	c=$((c + 1))
	ok "[ -e /sys/bus/pci/devices/$B/p2pmem ] && [ -e /sys/bus/pci/devices/$E/driver ]" \
	   "cycle $c: B ($B) and the root-port edu ($E) are present"
	ok "$P verify --enable $B $E >/tmp/hp-verify.out 2>&1 && grep -q '^override: verified .*enabled: P2P allowed' /tmp/hp-verify.out" \
	   "cycle $c: B -> the root-port edu verified and overridden: P2P under load"
	build/tests/t_stress --seconds 14 --threads 3 --unplug --seed $c >/tmp/hp-stress.tap 2>&1 &
	stress=$!
	sleep 3
	ok "$Q '{\"execute\": \"device_del\", \"arguments\": {\"id\": \"provB\"}}' >/dev/null && $W gone /sys/bus/pci/devices/$B 60" \
	   "cycle $c: device_del provB under load: $B is gone"
	ok "$Q '{\"execute\": \"device_del\", \"arguments\": {\"id\": \"eduRP\"}}' >/dev/null && $W gone /sys/bus/pci/devices/$E 60" \
	   "cycle $c: device_del eduRP under load: $E is gone"
	wait $stress
	rc=$?
	grep -E "^# (operations|failed while)|^not ok" /tmp/hp-stress.tap | sed 's/^#* */# stress: /'
	ok "[ $rc = 0 ]" "cycle $c: no mismatch under load; transfers to the devices that went away failed with an errno"
	ok "! $P devices --json | grep -q '\"$B\"' && ! $P devices --json | grep -q '\"$E\"'" \
	   "cycle $c: p2ppolicy devices no longer lists them"
	ok "! $P pairs --all --json | grep -q '\"$B\"' && ! $P pairs --all --json | grep -q '\"$E\"'" \
	   "cycle $c: the pair table forgot every pair with them"
	ok "[ \$(cat /sys/kernel/p2pmap/mappings_active) = 0 ] && [ \$(cat /sys/kernel/p2pmap/bounce_in_use) = 0 ]" \
	   "cycle $c: no mapping or bounce page left behind"
	ok "$Q '{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"nvme\", \"id\": \"provB\", \"bus\": \"rp2\", \"serial\": \"p2pmapB\", \"cmb_size_mb\": 64}}' >/dev/null && $W back /sys/bus/pci/devices/$B/p2pmem 60" \
	   "cycle $c: device_add provB: B is back and publishes p2pmem"
	ok "$Q '{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"edu\", \"id\": \"eduRP\", \"bus\": \"rp3\", \"dma_mask\": 18446744073709551615}}' >/dev/null && $W back /sys/bus/pci/devices/$E/driver 60 && sleep 0.5 && [ \$(ls /dev/p2pmap-edu* | wc -l) = 2 ]" \
	   "cycle $c: device_add eduRP: the edu is back and p2pmap_edu drives it"
	$P explain $B $E >/tmp/hp-explain.out 2>&1
	ok "grep -q ': BOUNCE\$' /tmp/hp-explain.out && ! grep -q '^  override:' /tmp/hp-explain.out" \
	   "cycle $c: the re-plugged B is not verified: no override until it is probed again"
	ok "$P verify --enable $B $E >/tmp/hp-verify.out 2>&1 && $P override list | grep -q '^$B  *$E  *verified .*enabled: P2P allowed' && $P override del $B $E >/dev/null" \
	   "cycle $c: verified again, the override is back (then off for the matrix)"
	build/tests/t_matrix >/tmp/hp-matrix.tap 2>&1
	rc=$?
	ok "[ $rc = 0 ]" "cycle $c: every pair moves data correctly again ($(grep '^# matrix' /tmp/hp-matrix.tap | sed 's/^# //'))"
done
done_tap
