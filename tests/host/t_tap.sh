#!/usr/bin/env bash
# tests/lib/tap.sh itself: ok passes and fails on its command's exit status, prints its
# description verbatim, runs the command in the current shell with its output discarded;
# not, exits, out_has, stdout_has, stdout_is and put each both ways; done_tap's plan and status.
# Each case runs in a fresh shell that sources tap.sh (dash, as the lab guest runs the suites,
# and bash, as the host does).
# The scripts run by tap() are single-quoted on purpose: the shell under test expands them.
# shellcheck disable=SC2016
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib/tap.sh

# tap SHELL SCRIPT: run SCRIPT in SHELL after sourcing tap.sh; its output, then "rc=STATUS".
tap() { "$1" -c '. tests/lib/tap.sh; '"$2" 2>&1; echo "rc=$?"; }

# The checks below report through ok itself: first make sure that it can fail at all.
case $(tap dash 'ok "d" false') in
*"not ok 1 - d"*) ;;
*) echo "Bail out! ok does not report a failing command as not ok"; exit 1 ;;
esac

# A description that neither ok nor echo may change.
verbatim=$(cat <<'EOF'
d='a  b $HOME "q" \n \\ * $(false) `id`'"'"'s %s %d'; ok "$d" true
EOF
)
verbatim_out=$(cat <<'EOF'
ok 1 - a  b $HOME "q" \n \\ * $(false) `id`'s %s %d
EOF
)

for sh in dash bash; do
	ok "$sh: a failing command is not ok, done_tap prints the plan and fails" \
	   [ "$(tap $sh 'ok "d" false; done_tap')" = "$(printf 'TAP version 13\nnot ok 1 - d\n1..1\nrc=1')" ]
	ok "$sh: a passing command is ok, done_tap prints the plan and succeeds" \
	   [ "$(tap $sh 'ok "d" true; done_tap')" = "$(printf 'TAP version 13\nok 1 - d\n1..1\nrc=0')" ]
	ok "$sh: tests are numbered; one failure among passes fails done_tap" \
	   [ "$(tap $sh 'ok a true; ok b false; ok c true; done_tap')" = \
	     "$(printf 'TAP version 13\nok 1 - a\nnot ok 2 - b\nok 3 - c\n1..3\nrc=1')" ]
	ok "$sh: ok without a command is not ok" \
	   [ "$(tap $sh 'ok "d"; done_tap')" = "$(printf 'TAP version 13\nnot ok 1 - d\n1..1\nrc=1')" ]
	ok "$sh: a command that does not exist is not ok" \
	   [ "$(tap $sh 'ok "d" no-such-command-here; done_tap')" = "$(printf 'TAP version 13\nnot ok 1 - d\n1..1\nrc=1')" ]
	ok "$sh: the description is printed verbatim (spaces, \$, quotes, backslashes, globs)" \
	   [ "$(tap $sh "$verbatim")" = "$(printf 'TAP version 13\n%s\nrc=0' "$verbatim_out")" ]
	ok "$sh: the command's arguments are passed as they are, not split or globbed" \
	   [ "$(tap $sh 'ok "d" [ "a  b*" = "a  b*" ]; ok "e" test "$(printf "x y")" = "x y"; done_tap')" = \
	     "$(printf 'TAP version 13\nok 1 - d\nok 2 - e\n1..2\nrc=0')" ]
	ok "$sh: the command's stdout and stderr are discarded" \
	   [ "$(tap $sh 'ok "d" sh -c "echo out; echo err >&2"; ok "e" sh -c "echo out; echo err >&2; exit 1"')" = \
	     "$(printf 'TAP version 13\nok 1 - d\nnot ok 2 - e\nrc=0')" ]
	ok "$sh: the command runs in the current shell (a function sees and sets its variables)" \
	   [ "$(tap $sh 'x=1; f() { [ "$x" = 1 ] && y=2; }; ok "d" f; echo "y=$y"')" = \
	     "$(printf 'TAP version 13\nok 1 - d\ny=2\nrc=0')" ]

	ok "$sh: not: a failing command passes" [ "$(tap $sh 'ok "d" not false')" = "$(printf 'TAP version 13\nok 1 - d\nrc=0')" ]
	ok "$sh: not: a passing command fails" [ "$(tap $sh 'ok "d" not true')" = "$(printf 'TAP version 13\nnot ok 1 - d\nrc=0')" ]
	ok "$sh: exits: the status asked for passes" \
	   [ "$(tap $sh 'ok "d" exits 2 sh -c "exit 2"; ok "e" exits 0 true')" = "$(printf 'TAP version 13\nok 1 - d\nok 2 - e\nrc=0')" ]
	ok "$sh: exits: another status fails (success included)" \
	   [ "$(tap $sh 'ok "d" exits 2 sh -c "exit 1"; ok "e" exits 2 true; ok "f" exits 1 exits 2 sh -c "exit 2"')" = \
	     "$(printf 'TAP version 13\nnot ok 1 - d\nnot ok 2 - e\nnot ok 3 - f\nrc=0')" ]
	ok "$sh: out_has: a pattern on stdout or on stderr passes, whatever the exit status" \
	   [ "$(tap $sh 'ok "d" out_has "^o.t$" sh -c "echo out"; ok "e" out_has err sh -c "echo err >&2; exit 3"')" = \
	     "$(printf 'TAP version 13\nok 1 - d\nok 2 - e\nrc=0')" ]
	ok "$sh: out_has: a pattern in neither fails" \
	   [ "$(tap $sh 'ok "d" out_has nope sh -c "echo out; echo err >&2"; ok "e" out_has x true')" = \
	     "$(printf 'TAP version 13\nnot ok 1 - d\nnot ok 2 - e\nrc=0')" ]
	ok "$sh: out_has: grep options before the pattern, -- before one that starts with -" \
	   [ "$(tap $sh 'ok a out_has -x -E "o+u?t" echo out; ok b out_has -x ou echo out; ok c out_has -F "a.c" echo abc; ok d out_has -- --dir echo x --dir y; ok e out_has -i -w OUT echo "a out b"')" = \
	     "$(printf 'TAP version 13\nok 1 - a\nnot ok 2 - b\nnot ok 3 - c\nok 4 - d\nok 5 - e\nrc=0')" ]
	ok "$sh: stdout_has: a pattern on stdout passes, one on stderr only fails" \
	   [ "$(tap $sh 'ok "d" stdout_has out sh -c "echo out; echo err >&2"; ok "e" stdout_has err sh -c "echo out; echo err >&2"')" = \
	     "$(printf 'TAP version 13\nok 1 - d\nnot ok 2 - e\nrc=0')" ]
	ok "$sh: stdout_is: the same string passes (trailing newlines aside), another fails" \
	   [ "$(tap $sh 'ok a stdout_is "x y" printf "x y\n\n"; ok b stdout_is "x y" echo "x  y"; ok c stdout_is "" true; ok d stdout_is x sh -c "echo err >&2"')" = \
	     "$(printf 'TAP version 13\nok 1 - a\nnot ok 2 - b\nok 3 - c\nnot ok 4 - d\nrc=0')" ]
	ok "$sh: put writes the value and a newline" \
	   [ "$(tap $sh 'f=$(mktemp); ok "d" put "a  b" "$f"; cat "$f"; wc -c <"$f"; rm -f "$f"')" = \
	     "$(printf 'TAP version 13\nok 1 - d\na  b\n5\nrc=0')" ]
	ok "$sh: put fails when the file cannot be written" \
	   [ "$(tap $sh 'ok "d" put x /nonexistent/dir/file; ok "e" put x /')" = "$(printf 'TAP version 13\nnot ok 1 - d\nnot ok 2 - e\nrc=0')" ]
	ok "$sh: the helpers nest (not out_has)" \
	   [ "$(tap $sh 'ok "d" not out_has x echo y; ok "e" not out_has y echo y')" = "$(printf 'TAP version 13\nok 1 - d\nnot ok 2 - e\nrc=0')" ]
done

# The closing count (tests/lab.sh's tap_count): a plan larger than what ran, or smaller, fails.
count() {	# FILE-CONTENT...: one TAP file each; prints tap_count's last line
	local res i=0
	res=$(mktemp -d)
	mkdir "$res/tap"
	for c in "$@"; do i=$((i + 1)); printf "$c" >"$res/tap/$i.tap"; done
	(. tests/lab.sh && tap_count) | tail -n 1
	rm -rf "$res"
}
ok "tap_count: plans that match count as they ran" \
   [ "$(count 'ok 1 - a\nok 2 - b\n1..2\n' 'not ok 1 - c\n1..1\n')" = "2 passed, 1 failed, 0 skipped" ]
ok "... a test that ran less than its plan: the missing ones fail" \
   [ "$(count 'ok 1 - a\n1..3\n')" = "1 passed, 2 failed, 0 skipped" ]
ok "... one that ran more than its plan fails once" \
   [ "$(count 'ok 1 - a\nok 2 - b\n1..1\n')" = "2 passed, 1 failed, 0 skipped" ]
ok "... and one without a plan fails" [ "$(count 'ok 1 - a\n')" = "1 passed, 1 failed, 0 skipped" ]
done_tap
