#!/bin/sh
# p2ppolicy top in the lab, on a terminal tmux gives it: the screen, rates that move with
# traffic and fall back to zero without it, 'q' ends it; without a terminal, one screen.
. tests/lib/tap.sh
P=build/user/p2ppolicy
A=0000:03:00.0 EDU_SW=0000:04:00.0
t=/tmp/top
rm -rf $t
mkdir -p $t
S="tmux -S $t/sock"
# screen: the pane's text in $t/screen; row: A -> the switch edu's line.
screen() { $S capture-pane -p -t top | tee $t/screen; }
row() { screen >/dev/null && grep "^$A  $EDU_SW " $t/screen; }
# busy: A -> switch edu's mappings per second (column 3) above 0.
busy() { [ "$(row | awk '{ print ($3 > 0) }')" = 1 ]; }
idle() { [ "$(row | awk '{ print $3 }')" = 0.0 ]; }

$P unload >/dev/null 2>&1
$P pairs --reset >/dev/null
build/tests/t_stats --workload >/dev/null 2>&1
$S new-session -d -s top -x 150 -y 30 "$P top --interval 0.5"
wait_until 20 out_has PROVIDER screen
ok "top draws its header and the column titles" \
   out_has -E '^p2pmap .* policy: none \(built-in rule\)' screen
ok "... and the pairs that made decisions" row
# Traffic: 8 KiB per pair, P2P for A -> the switch edu, and 8 KiB more for that pair, so that
# it has the most bytes; for longer than the checks take, ended when they are done.
build/tests/t_stats --workload-for 120 >/dev/null 2>&1 &
tpid=$!
wait_until 30 busy
ok "with traffic, A -> switch edu's mappings per second move above 0" busy
diag "$(grep "^$A  $EDU_SW " $t/screen)"
ok "... and its P2P bytes per second too" [ "$(row | awk '{ print ($4 > 0) }')" = 1 ]
ok "... with its last verdict" out_has "P2P topology-p2p\$" row
ok "the pair with the most bytes comes first" \
   [ "$(grep -n "^$A  $EDU_SW " $t/screen | cut -d: -f1)" = 5 ]
kill $tpid
wait $tpid
wait_until 30 idle
ok "without traffic its rate falls back to 0.0" idle
$S send-keys -t top q
wait_until 10 not $S has-session -t top
ok "q ends top" not $S has-session -t top
$S kill-server 2>/dev/null

$P top --interval 0.3 >$t/plain 2>&1
ok "without a terminal: one screen, exit 0" exits 0 $P top --interval 0.3
ok "... with the header and the pairs" out_has "^$A  $EDU_SW " cat $t/plain
ok "... one screen" [ "$(grep -c '^p2pmap ' $t/plain)" = 1 ]
ok "... and no terminal escapes" not out_has "$(printf '\033')" cat $t/plain
ok "a bad --interval is refused (exit 2)" exits 2 $P top --interval 0
done_tap
