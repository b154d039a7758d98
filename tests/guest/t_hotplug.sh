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
	ok "cycle $c: B ($B) is present" [ -e /sys/bus/pci/devices/$B/p2pmem ]
	ok "cycle $c: the root-port edu ($E) is present" [ -e /sys/bus/pci/devices/$E/driver ]
	$P verify --enable $B $E >/tmp/hp-verify.out 2>&1
	rc=$?
	ok "cycle $c: B -> the root-port edu verified and overridden (exit $rc)" [ $rc = 0 ]
	ok "cycle $c: ... P2P under load" grep -q '^override: verified .*enabled: P2P allowed' /tmp/hp-verify.out
	build/tests/t_stress --seconds 14 --threads 3 --unplug --seed $c >/tmp/hp-stress.tap 2>&1 &
	stress=$!
	sleep 3
	ok "cycle $c: device_del provB under load" $Q '{"execute": "device_del", "arguments": {"id": "provB"}}'
	ok "cycle $c: ... $B is gone" $W gone /sys/bus/pci/devices/$B 60
	ok "cycle $c: device_del eduRP under load" $Q '{"execute": "device_del", "arguments": {"id": "eduRP"}}'
	ok "cycle $c: ... $E is gone" $W gone /sys/bus/pci/devices/$E 60
	wait $stress
	rc=$?
	grep -E "^# (operations|failed while|MISMATCH)|^not ok" /tmp/hp-stress.tap | sed 's/^#* */# stress: /'
	ok "cycle $c: no mismatch under load; transfers to the devices that went away failed with an errno" [ $rc = 0 ]
	ok "cycle $c: p2ppolicy devices no longer lists B" not stdout_has "\"$B\"" $P devices --json
	ok "cycle $c: ... nor the edu" not stdout_has "\"$E\"" $P devices --json
	ok "cycle $c: the pair table forgot every pair with B" not stdout_has "\"$B\"" $P pairs --all --json
	ok "cycle $c: ... and with the edu" not stdout_has "\"$E\"" $P pairs --all --json
	ok "cycle $c: no mapping left behind" stdout_is 0 cat /sys/kernel/p2pmap/mappings_active
	ok "cycle $c: no bounce page left behind" stdout_is 0 cat /sys/kernel/p2pmap/bounce_in_use
	ok "cycle $c: device_add provB" \
	   $Q '{"execute": "device_add", "arguments": {"driver": "nvme", "id": "provB", "bus": "rp2", "serial": "p2pmapB", "cmb_size_mb": 64}}'
	ok "cycle $c: ... B is back and publishes p2pmem" $W back /sys/bus/pci/devices/$B/p2pmem 60
	ok "cycle $c: device_add eduRP" \
	   $Q '{"execute": "device_add", "arguments": {"driver": "edu", "id": "eduRP", "bus": "rp3", "dma_mask": 18446744073709551615}}'
	ok "cycle $c: ... the edu is back" $W back /sys/bus/pci/devices/$E/driver 60
	sleep 0.5
	ok "cycle $c: ... and p2pmap_edu drives it" [ "$(ls /dev/p2pmap-edu* 2>/dev/null | wc -l)" = 2 ]
	$P explain $B $E >/tmp/hp-explain.out 2>&1
	ok "cycle $c: the re-plugged B bounces" grep -q ': BOUNCE$' /tmp/hp-explain.out
	ok "cycle $c: ... it is not verified: no override until it is probed again" not grep -q '^  override:' /tmp/hp-explain.out
	$P verify --enable $B $E >/tmp/hp-verify.out 2>&1
	rc=$?
	ok "cycle $c: verified again (exit $rc)" [ $rc = 0 ]
	ok "cycle $c: ... the override is back" stdout_has "^$B  *$E  *verified .*enabled: P2P allowed" $P override list
	ok "cycle $c: ... (then off for the matrix)" $P override del $B $E
	build/tests/t_matrix >/tmp/hp-matrix.tap 2>&1
	rc=$?
	ok "cycle $c: every pair moves data correctly again ($(grep '^# matrix' /tmp/hp-matrix.tap | sed 's/^# //'))" [ $rc = 0 ]
done
done_tap
