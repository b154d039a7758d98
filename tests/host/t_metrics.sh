#!/bin/sh
# p2ppolicy's Prometheus exposition, checked by Prometheus' own promtool: the unit test's
# sample snapshot (every family, a policy name that needs escaping), the file --textfile
# writes, and the Grafana dashboard, whose every expression must name series p2ppolicy emits.
. tests/lib/tap.sh
P=build/user/p2ppolicy
D=user/grafana/p2pmap.json
t=$(mktemp -d)
tools=$(scripts/test-tools.sh) || tools=/nonexistent
promtool_ok() { "$tools/bin/promtool" check metrics <"$1"; }

build/tests/unit/t_p2ppolicy --metrics-sample >$t/sample.prom
ok "promtool is there (scripts/test-tools.sh: $tools)" "$tools/bin/promtool" --version
ok "promtool check metrics accepts the sample exposition" promtool_ok $t/sample.prom
printf '# HELP p2pmap_maps a counter without _total\n# TYPE p2pmap_maps counter\np2pmap_maps 1\n' >$t/bad.prom
ok "... and refuses a counter named without _total (the check can fail)" not promtool_ok $t/bad.prom
sed -n 's/^# HELP \([a-z_0-9]*\) .*/\1/p' $t/sample.prom >$t/help
sed -n 's/^# TYPE \([a-z_0-9]*\) .*/\1/p' $t/sample.prom >$t/type
sed -n 's/^\([a-z_0-9]*\)[{ ].*/\1/p' $t/sample.prom | uniq >$t/runs
ok "every family has one # HELP and one # TYPE, in the same order" cmp -s $t/help $t/type
ok "... and its samples in one run after them (no family split or repeated)" cmp -s $t/type $t/runs

if [ -e /sys/kernel/p2pmap ]; then
	for c in "without the module" "--textfile" "... its mode" "... promtool" "missing directory" "... why"; do
		ok "$c # SKIP p2pmap is loaded on this host" true
	done
else
	ok "without the module: p2pmap_up 0 and nothing else" \
	   stdout_is "$(printf '# HELP p2pmap_up 1 when the p2pmap module is loaded.\n# TYPE p2pmap_up gauge\np2pmap_up 0')" \
	   $P metrics
	mkdir $t/tf
	$P metrics --textfile $t/tf
	ok "--textfile DIR writes DIR/p2pmap.prom and leaves no temporary file" \
	   [ "$(ls -A $t/tf)" = p2pmap.prom ]
	ok "... readable by node_exporter's own user (mode 644)" \
	   [ "$(stat -c %a $t/tf/p2pmap.prom)" = 644 ]
	ok "... which promtool accepts" promtool_ok $t/tf/p2pmap.prom
	ok "--textfile into a missing directory: exit 1" exits 1 $P metrics --textfile $t/nodir
	ok "... saying why" out_has "cannot write $t/nodir/p2pmap.prom: No such file or directory" \
	   $P metrics --textfile $t/nodir
fi

# The dashboard: valid JSON, and every metric its expressions name is one p2ppolicy emits.
sed -n 's/^# TYPE \([a-z_0-9]*\) .*/\1/p' $t/sample.prom | sort -u >$t/emitted
jq -r '.. | objects | .expr? // empty' $D >$t/exprs
grep -o 'p2pmap_[a-z_0-9]*' $t/exprs | sort -u >$t/used
ok "the Grafana dashboard is JSON with $(jq '.panels | length' $D) panels" \
   [ "$(jq '.panels | length' $D)" -ge 5 ]
ok "... and $(wc -l <$t/exprs) expressions" [ "$(wc -l <$t/exprs)" -ge 5 ]
ok "every series the dashboard names is one p2ppolicy metrics emits ($(wc -l <$t/used) names)" \
   [ -z "$(comm -23 $t/used $t/emitted)" ]
diag "dashboard names not emitted: $(comm -23 $t/used $t/emitted | tr '\n' ' ')"
echo 'rate(p2pmap_no_such_series_total[5m])' >>$t/exprs
grep -o 'p2pmap_[a-z_0-9]*' $t/exprs | sort -u >$t/used2
ok "... the check sees a name that is not emitted (it can fail)" [ -n "$(comm -23 $t/used2 $t/emitted)" ]
rm -rf $t
done_tap
