# TAP helpers for the shell tests (sourced by bash and, in the lab guest, by dash).
#   ok DESCRIPTION COMMAND [ARG...]   # runs COMMAND in the current shell, stdout and stderr discarded; passes when it exits 0
#   diag TEXT...                      # a TAP comment line
#   done_tap                          # at the end: the plan; fails if any ok failed
# COMMAND is a simple command (no !, [[, { or pipe): a program, a function of the test,
# [ ... ], or one of the helpers below (which nest: ok "..." not out_has x cmd).
# GREP-OPTIONs are single words (-E, -x, -F, -w, -i) before PATTERN; put -- before a PATTERN
# that starts with -.
# No >FILE on an ok line: it would take ok's own TAP line (stdin and fds 3 and up do reach
# COMMAND); a command that writes a file runs before ok, or in a function of the test.
#   not CMD...                                   # CMD fails
#   exits N CMD...                               # CMD exits with status N
#   out_has [GREP-OPTION...] PATTERN CMD...      # CMD's stdout and stderr have a line matching PATTERN
#   stdout_has [GREP-OPTION...] PATTERN CMD...   # CMD's stdout has a line matching PATTERN
#   stdout_is STRING CMD...                      # CMD's stdout, less trailing newlines, is STRING
#   put VALUE FILE                               # echo VALUE >FILE succeeds (a sysfs attribute takes VALUE)
# shellcheck shell=dash
_n=0 _fail=0
echo "TAP version 13"
ok() {
	_tap_desc=$1
	shift
	_n=$((_n + 1))
	if [ $# -gt 0 ] && "$@" >/dev/null 2>&1; then
		printf 'ok %s - %s\n' "$_n" "$_tap_desc"
	else
		printf 'not ok %s - %s\n' "$_n" "$_tap_desc"
		_fail=$((_fail + 1))
	fi
}
diag() { echo "# $*"; }
. tests/lib/wait.sh
done_tap() { echo "1..$_n"; [ $_fail = 0 ]; }

not() { ! "$@"; }
exits() {
	local _tap_want=$1
	shift
	"$@"
	[ $? = "$_tap_want" ]
}
# _has 1|2 [GREP-OPTION...] PATTERN CMD...: out_has (2: stdout and stderr) and stdout_has (1).
_has() {
	local _tap_fds=$1 _tap_opts="" _tap_pat
	shift
	while :; do
		case $1 in
		--) shift; break ;;
		-?*) _tap_opts="$_tap_opts $1"; shift ;;
		*) break ;;
		esac
	done
	_tap_pat=$1
	shift
	# $_tap_opts unquoted: one word per option.
	# shellcheck disable=SC2086
	if [ "$_tap_fds" = 2 ]; then
		"$@" 2>&1 | grep -q $_tap_opts -- "$_tap_pat"
	else
		"$@" 2>/dev/null | grep -q $_tap_opts -- "$_tap_pat"
	fi
}
out_has() { _has 2 "$@"; }
stdout_has() { _has 1 "$@"; }
stdout_is() {
	local _tap_want=$1
	shift
	[ "$("$@" 2>/dev/null)" = "$_tap_want" ]
}
put() { echo "$1" >"$2"; }
