# TAP helpers for shell tests: ok COND-COMMAND DESCRIPTION...; done_tap at the end.
_n=0 _fail=0
echo "TAP version 13"
ok() {
	_cmd=$1; shift
	_n=$((_n + 1))
	if sh -c "$_cmd" >/dev/null 2>&1; then echo "ok $_n - $*"; else echo "not ok $_n - $*"; _fail=$((_fail + 1)); fi
}
diag() { echo "# $*"; }
. tests/lib/wait.sh
done_tap() { echo "1..$_n"; [ $_fail = 0 ]; }
