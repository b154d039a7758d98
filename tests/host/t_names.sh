#!/usr/bin/env bash
# One vocabulary: include/uapi/p2pmap_names.h names every verdict, kernel verdict, direction,
# reason and policy event; the bpftrace scripts' generated tables are current with it, and no
# other spelling of those names is typed anywhere else.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/guest/tap.sh

ok "printf '#include \"include/uapi/p2pmap.h\"\n#include \"include/uapi/p2pmap_names.h\"\n' | gcc -std=c99 -Wall -Werror -fsyntax-only -x c -" \
   "the names header compiles on its own (C99)"
ok "user/bpftrace/names.sh --check" "the bpftrace scripts' name tables are current (user/bpftrace/names.sh)"
user/bpftrace/names.sh --check | sed 's/^/# /'
# The other spelling (underscores) of every hyphenated name, anywhere in code, scripts or tests.
words=$(sed -n 's/^.*[A-Z](P2PMAP_[A-Z0-9_]*, "\([a-z]*-[a-z0-9-]*\)").*$/\1/p' include/uapi/p2pmap_names.h |
	tr - _ | paste -sd'|')
stray=$(git ls-files kernel user tests bpf include | grep -v -e '\.expect$' |
	xargs grep -nE "\"($words)\"|=($words)\b|\b($words)\b[^(]" 2>/dev/null |
	grep -v -e 'P2PMAP_' -e 'max_policy_errors' -e 'policy_error(' -e '[.>]acs_redirect' -e 'u32 acs_redirect' -e '@acs_redirect')
[ -z "$stray" ] || echo "$stray" | sed 's/^/# /'
ok "[ $(printf '%s' "$stray" | grep -c .) = 0 ]" "no name is spelled with underscores outside the table"
done_tap
