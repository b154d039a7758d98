#!/bin/sh
# Leaks: after the suites, two kmemleak scans (an object must stay unreferenced for 5 s to be
# reported) find nothing allocated by p2pmap or p2pmap_edu.
. tests/lib/tap.sh
K=/sys/kernel/debug/kmemleak
if ! [ -w $K ]; then
	ok "kmemleak is available (CONFIG_DEBUG_KMEMLEAK, debugfs)" false
	done_tap
	exit
fi
echo scan >$K
sleep 6
echo scan >$K
cat $K >/tmp/kmemleak.txt
n=$(grep -c '^unreferenced object' /tmp/kmemleak.txt)
mine=$(grep -c 'p2pmap' /tmp/kmemleak.txt)
diag "kmemleak: $n suspected leaks in all, $mine lines naming p2pmap"
[ "$mine" = 0 ] || sed -n '1,40p' /tmp/kmemleak.txt | sed 's/^/# /'
ok "kmemleak reports nothing from p2pmap or p2pmap_edu" [ "$mine" = 0 ]
ok "kmemleak reports no leak at all" [ "$n" = 0 ]
echo clear >$K
done_tap
