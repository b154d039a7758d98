#!/usr/bin/env bash
# Ask p2ppolicy's bash completion as bash asks it: tests/lib/complete.sh PROG WORD... prints
# the completions of the last WORD (which may be ''), sorted, on one line.
. "$(dirname "$0")/../../user/completion/p2ppolicy.bash"
prog=$1
shift
COMP_WORDS=("$prog" "$@")
COMP_CWORD=$#
_p2ppolicy
printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
