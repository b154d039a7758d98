#!/bin/sh
# p2ppolicy metrics in the lab: promtool accepts them; after known transfers every per-pair
# series equals what 'pairs --json' says; the daemon keeps node_exporter's textfile up to
# date, and a real node_exporter on loopback serves the p2pmap series from it.
. tests/lib/tap.sh
P=build/user/p2ppolicy
T=${P2PMAP_TOOLS:-/nonexistent}/bin
A=0000:03:00.0 EDU_SW=0000:04:00.0
t=/tmp/metrics
port=19100
rm -rf $t
mkdir -p $t/tf
promtool_ok() { "$T/promtool" check metrics <"$1"; }
# want PAIRS.JSON: the per-pair lines 'pairs --json' implies, sorted.
want() {
	jq -r '.[] | "provider=\"\(.provider)\",client=\"\(.client)\"" as $l |
		"p2pmap_pair_decisions_total{\($l),verdict=\"p2p\"} \(.decisions_p2p)",
		"p2pmap_pair_decisions_total{\($l),verdict=\"bounce\"} \(.decisions_bounce)",
		"p2pmap_pair_decisions_total{\($l),verdict=\"reject\"} \(.decisions_reject)",
		"p2pmap_pair_mapped_bytes_total{\($l),path=\"p2p\"} \(.bytes_p2p)",
		"p2pmap_pair_mapped_bytes_total{\($l),path=\"bounce\"} \(.bytes_bounce)",
		"p2pmap_pair_errors_total{\($l)} \(.errors)",
		"p2pmap_pair_distance{\($l)} \(.distance)"' "$1" | sort
}
# has_all WANT GOT: every line of WANT is a line of GOT.
has_all() { sort "$2" >"$2.sorted" && [ -z "$(comm -23 "$1" "$2.sorted")" ]; }
# value FILE SERIES: the value of one sample.
value() { grep -F "$2 " "$1" | awk '{ print $2 }'; }

$P unload >/dev/null 2>&1
$P pairs --reset >/dev/null
ok "the workload maps 8 KiB for every pair" build/tests/t_stats --workload
$P metrics >$t/m.prom
$P pairs --json >$t/pairs.json
want $t/pairs.json >$t/want
ok "promtool ($T/promtool) check metrics accepts the lab's metrics" promtool_ok $t/m.prom
ok "the metrics show the $(jq length $t/pairs.json) pairs 'pairs' shows (no pair was probed yet)" \
   [ "$(grep -c '^p2pmap_pair_errors_total{' $t/m.prom)" = "$(jq length $t/pairs.json)" ]
ok "every pair's decisions, bytes, errors and distance equal 'pairs --json' ($(wc -l <$t/want) samples)" \
   has_all $t/want $t/m.prom
diag "not in the metrics: $(sort $t/m.prom | comm -23 $t/want - | head -3 | tr '\n' ' ')"
ok "A -> the switch edu: the workload's 8 KiB mapped P2P" \
   [ "$(value $t/m.prom "p2pmap_pair_mapped_bytes_total{provider=\"$A\",client=\"$EDU_SW\",path=\"p2p\"}")" = 8192 ]
ok "... by the built-in rule: one topology-p2p decision" \
   [ "$(value $t/m.prom "p2pmap_pair_decisions_by_reason_total{provider=\"$A\",client=\"$EDU_SW\",reason=\"topology-p2p\"}")" = 1 ]
ok "no policy attached: the active slot says none" \
   stdout_has -F 'p2pmap_policy_info{slot="active",policy="none",exit=' cat $t/m.prom

# The daemon writes the textfile; node_exporter serves it.
cat >$t/p2ppolicy.conf <<CONF
[policy]
name = topology
on_exit = detach
[metrics]
textfile_dir = $t/tf
interval = 1
CONF
$P daemon --config $t/p2ppolicy.conf --pidfile $t/pid >$t/log 2>&1 &
dpid=$!
wait_until 20 [ -s $t/tf/p2pmap.prom ]
ok "the daemon writes $t/tf/p2pmap.prom" [ -s $t/tf/p2pmap.prom ]
ok "... and says where, and how often" out_has -F "metrics: $t/tf/p2pmap.prom every 1 s" cat $t/log
"$T/node_exporter" --web.listen-address=127.0.0.1:$port --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory=$t/tf >$t/ne.log 2>&1 &
npid=$!
wait_until 30 curl -sf -o $t/scrape1 http://127.0.0.1:$port/metrics
ok "node_exporter on loopback serves the p2pmap series" stdout_has '^p2pmap_maps_total ' cat $t/scrape1
ok "... and read the textfile without error" stdout_has -x 'node_textfile_scrape_error 0' cat $t/scrape1
# node_exporter serves the labels in name order.
s="p2pmap_pair_decisions_total{client=\"$EDU_SW\",provider=\"$A\",verdict=\"p2p\"}"
before=$(value $t/scrape1 "$s")
ok "... among them A -> the switch edu's P2P decisions ($before)" [ -n "$before" ]
two() { build/tests/t_stats --workload && build/tests/t_stats --workload; }
ok "two more workloads" two
$P pairs --json >$t/pairs2.json
now=$(jq -r ".[] | select(.provider == \"$A\" and .client == \"$EDU_SW\") | .decisions_p2p" $t/pairs2.json)
served() { curl -sf -o $t/scrape2 http://127.0.0.1:$port/metrics && [ "$(value $t/scrape2 "$s")" = "$now" ]; }
wait_until 10 served
ok "after two more workloads the served A -> switch edu P2P decisions follow 'pairs' ($before -> $now)" \
   [ "$(value $t/scrape2 "$s")" = "$now" ]
ok "... which counted them (the count moved by 2)" [ "$now" = $((before + 2)) ]
ok "the daemon leaves no temporary file in the directory" [ "$(ls -A $t/tf)" = p2pmap.prom ]
kill $npid
wait $npid 2>/dev/null
kill $dpid
wait $dpid

# A directory that does not exist (node_exporter not installed): said once, not every
# interval; said again when it works.
sed -i "s|^textfile_dir = .*|textfile_dir = $t/none|" $t/p2ppolicy.conf
$P daemon --config $t/p2ppolicy.conf --pidfile $t/pid >$t/log2 2>&1 &
dpid=$!
miss="metrics: cannot write $t/none/p2pmap.prom: No such file or directory"
wait_for "$miss" $t/log2
# Three intervals (1 s) with the directory still missing.
sleep 3
ok "a missing textfile directory is logged once in 3 intervals" \
   [ "$(grep -c "$miss" $t/log2)" = 1 ]
mkdir $t/none
wait_for "metrics: writing $t/none/p2pmap.prom again" $t/log2
ok "... and once more when the directory is there" \
   in_file "metrics: writing $t/none/p2pmap.prom again" $t/log2
ok "... and the file follows" [ -s $t/none/p2pmap.prom ]
kill $dpid
wait $dpid
ok "on exit the daemon removes its file (node_exporter serves no frozen series)" \
   [ ! -e $t/none/p2pmap.prom ]
$P unload >/dev/null 2>&1
done_tap
