#!/bin/sh
# p2ppolicy shadow in the lab: load, status, report (text and --json, whose numbers match
# STATS), the decision trace saying what the shadow chose, explain --shadow, promote (pins
# move, tunables follow), unload, and a configuration that names a shadow.
# The lab's addresses (tests/vm/topology/switch.sh): A 03:00.0, B 05:00.0 (providers),
# edu 04:00.0 behind A's switch, edu 00:06.0 on the root complex.
. tests/lib/tap.sh
P=build/user/p2ppolicy
W=build/tests/t_shadow
A=0000:03:00.0 EDU_SW=0000:04:00.0
o=/tmp/shadow.out
# Every p2ppolicy or python3 run costs 1-2 s under TCG: the suite runs as few as it can.
ok "load topology" $P load topology
$P shadow load size_threshold --set min_p2p_bytes=64K >$o 2>&1
rc=$?
ok "shadow load size_threshold --set min_p2p_bytes=64K (exit $rc)" [ $rc = 0 ]
ok "... attaches it beside topology" grep -q '^shadow policy size_threshold attached, pinned at /sys/fs/bpf/p2pmap/shadow/link' $o
$P shadow status >$o 2>&1
ok "shadow status: the name" grep -q '^shadow:     size_threshold' $o
ok "... its state" grep -q '^state:      attached: shadow policy "size_threshold"' $o
ok "... and its tunable" grep -q '^tunable:    min_p2p_bytes = 65536' $o

# STATS reset, then the known mix on every pair: 16 KiB twice, 256 KiB and 1 MiB; the
# decision trace is on.
T=/sys/kernel/tracing
echo >$T/trace
echo 1 >$T/events/p2pmap/p2pmap_decision/enable
ok "the workload's 16 mappings succeed" $W --workload
echo 0 >$T/events/p2pmap/p2pmap_decision/enable
$P shadow report >$o 2>&1
sed 's/^/#   /' $o
ok "report: one line says how often the two agree, what would move, the shadow's errors" \
   grep -q '^shadow size_threshold beside topology: 16 decisions compared, 14 agreed (88%), 2 would have moved path, 0 shadow errors' $o
ok "report: A -> edu_sw: 4 compared, 2 agreed, P2P->BOUNCE 2, both <64K (32 KiB)" \
   grep -Eq "^$A +$EDU_SW +4 +2  P2P->BOUNCE 2 +2 \\(32 KiB\\) +0 +0 +0\$" $o
ok "report: the 3 refused pairs agree 4 of 4" [ "$(grep -Ec '^0000:0[35]:00.0 .* 4 +4  - ' $o)" = 3 ]
$P shadow report --json >$o
$W --dump >/tmp/shadow.dump
$P explain $A $EDU_SW --size 1M --shadow --json >/tmp/shadow.explain
cat >/tmp/match.py <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
x = json.load(open(sys.argv[3]))
v = ["P2P", "BOUNCE", "REJECT"]
rows = {}
for l in open(sys.argv[2]):
    f = l.split()
    rows[(f[0], f[1])] = [int(x) for x in f[2:]]
ok = d["shadow"] == "size_threshold" and d["policy"] == "topology" and len(d["pairs"]) == 4
for p in d["pairs"]:
    r = rows[(p["provider"], p["client"])]
    dis = [0] * 9
    for e in p["disagree"]:
        dis[v.index(e["active"]) * 3 + v.index(e["shadow"])] = e["decisions"]
    mv = []
    for m in p["moved"]:
        mv += [m["decisions"], m["bytes"]]
    ok = ok and [p["compared"], p["agreed"], p["errors"]] + dis + mv == r
ok = ok and d["compared"] == sum(r[0] for r in rows.values()) == 16 and d["agreed"] == 14
ok2 = x["verdict"] == "P2P" and x["shadow"] == {"policy": "size_threshold", "verdict": "P2P", "reason": "policy"}
sys.exit(0 if ok and ok2 else 1 if not ok else 2)
PY
python3 /tmp/match.py $o /tmp/shadow.dump /tmp/shadow.explain
rc=$?
ok "report --json parses, and every number matches STATS" [ $rc != 1 ]
ok "explain --shadow --json: the shadow's verdict and reason" [ $rc = 0 ]

# The decision trace says what the shadow chose.
ok "the decision trace event names the shadow and its verdict (16 KiB: BOUNCE)" \
   grep -q 'provider=0000:03:00.0 client=0000:04:00.0 len=16384 .*policy=topology verdict=P2P reason=policy shadow=size_threshold:BOUNCE' $T/trace
ok "... (1 MiB: P2P)" grep -q 'len=1048576 .*policy=topology verdict=P2P reason=policy shadow=size_threshold:P2P' $T/trace
ok "explain --shadow asks the shadow: BOUNCE, disagrees" \
   stdout_has '^  shadow:   BOUNCE (shadow policy "size_threshold": .*), disagrees' $P explain $A $EDU_SW --size 16K --shadow

# Promote: one step through the active link; the maps' pins follow, the tunable with them.
$P shadow promote >$o 2>&1
rc=$?
ok "shadow promote (exit $rc)" [ $rc = 0 ]
ok "... replaces topology through the active link" \
   grep -q '^shadow policy size_threshold promoted: it replaces topology (atomically, through /sys/fs/bpf/p2pmap/link); no shadow policy now' $o
ok "after promote: size_threshold is the policy" stdout_is size_threshold cat /sys/kernel/p2pmap/policy
ok "... no shadow" stdout_is none cat /sys/kernel/p2pmap/shadow
ok "... its shadow link is gone" [ ! -e /sys/fs/bpf/p2pmap/shadow/link ]
ok "... its pins under /sys/fs/bpf/p2pmap" [ -e /sys/fs/bpf/p2pmap/maps/size_thr_data ]
ok "the promoted policy's tunable is set live through its moved pin" \
   stdout_has '^min_p2p_bytes = 131072' $P set min_p2p_bytes=128K

# The daemon's configuration can name a shadow policy.
cat >/tmp/shadow.conf <<'EOF'
[policy]
name = topology
[shadow]
name = size_threshold
min_p2p_bytes = 64K
EOF
ok "check-config reads [shadow] and checks its tunable" \
   stdout_has 'ok: policy topology, 0 tunables, 0 rules, on_exit keep; shadow size_threshold, 1 tunable' $P check-config /tmp/shadow.conf
$P daemon --config /tmp/shadow.conf --pidfile /tmp/shadow.pid >/tmp/shadow-daemon.log 2>&1 &
dpid=$!
wait_for 'shadow policy size_threshold attached beside it' /tmp/shadow-daemon.log
ok "the daemon attaches the configured policy" stdout_is topology cat /sys/kernel/p2pmap/policy
ok "... and the configured shadow beside it" stdout_is size_threshold cat /sys/kernel/p2pmap/shadow
ok "... and says so" grep -q 'shadow policy size_threshold attached beside it: 1 tunable' /tmp/shadow-daemon.log
kill $dpid
wait $dpid
$P shadow unload >$o
rc=$?
ok "shadow unload (exit $rc)" [ $rc = 0 ]
ok "... detaches the shadow" grep -q '^shadow policy size_threshold detached' $o
ok "... the active policy stays" stdout_is topology cat /sys/kernel/p2pmap/policy
$P unload >/dev/null
ok "clean: no policy" stdout_is none cat /sys/kernel/p2pmap/policy
ok "... no shadow" stdout_is none cat /sys/kernel/p2pmap/shadow
done_tap
