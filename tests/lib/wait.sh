# Wait loops for the shell tests, the demo and wait-path.sh (tap.sh sources this file).
# wait_until SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds, for up to SECONDS;
# its last status.
wait_until() {
	_w=$(($1 * 10))
	shift
	until "$@" 2>/dev/null; do
		[ $_w -gt 0 ] || return 1
		sleep 0.1
		_w=$((_w - 1))
	done
}

# in_file PATTERN FILE [COUNT]: PATTERN is in FILE at least COUNT times (default 1).
in_file() { [ "$(grep -c "$1" "$2" 2>/dev/null)" -ge "${3:-1}" ]; }

# wait_for PATTERN FILE [COUNT]: until PATTERN is in FILE COUNT times, up to 10 s.
wait_for() { wait_until 10 in_file "$@"; }
