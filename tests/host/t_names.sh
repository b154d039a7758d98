#!/usr/bin/env bash
# One vocabulary: include/uapi/p2pmap_names.h names every verdict, kernel verdict, direction,
# reason and policy event; the bpftrace scripts' generated tables are current with it, and no
# other spelling of those names is typed anywhere else.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib/tap.sh

# names_compile: a source that includes the UAPI header and then the names header compiles (C99).
names_compile() {
	printf '#include "include/uapi/p2pmap.h"\n#include "include/uapi/p2pmap_names.h"\n' |
		gcc -std=c99 -Wall -Werror -fsyntax-only -x c -
}
ok "the names header compiles on its own (C99)" names_compile
ok "the bpftrace scripts' name tables are current (user/bpftrace/names.sh)" user/bpftrace/names.sh --check
user/bpftrace/names.sh --check | sed 's/^/# /'
# The other spelling (underscores) of every hyphenated name, anywhere in code, scripts or tests.
words=$(sed -n 's/^.*[A-Z](P2PMAP_[A-Z0-9_]*, "\([a-z]*-[a-z0-9-]*\)").*$/\1/p' include/uapi/p2pmap_names.h |
	tr - _ | paste -sd'|')
stray=$(git ls-files kernel user tests bpf include | grep -v -e '\.expect$' |
	xargs grep -nE "\"($words)\"|=($words)\b|\b($words)\b[^(]" 2>/dev/null |
	grep -v -e 'P2PMAP_' -e 'max_policy_errors' -e 'policy_error(' -e '[.>]acs_redirect' -e 'u32 acs_redirect' -e '@acs_redirect')
[ -z "$stray" ] || echo "$stray" | sed 's/^/# /'
ok "no name is spelled with underscores outside the table" [ "$(printf '%s' "$stray" | grep -c .)" = 0 ]

# The shipped policies: bpf/policies.mk is the one list. It names every policy source in bpf/,
# and the texts that list them for people (the man page, the example configuration) name
# each of them on the line that lists them.
list=$(sed -n 's/^P2PMAP_POLICIES := //p' bpf/policies.mk | tr ' ' '\n' | sort)
srcs=$(git ls-files 'bpf/*.bpf.c' | sed 's|bpf/||; s|\.bpf\.c$||' | sort)
ok "bpf/policies.mk lists every policy in bpf/ ($(echo $list))" [ "$(echo $list)" = "$(echo $srcs)" ]
ok "... and the list is not empty" [ -n "$list" ]
manline=$(grep -A1 '^Attach a shipped policy' user/man/p2ppolicy.8 | tail -1)
confline=$(grep '^# A shipped policy' user/etc/p2ppolicy.conf)
missing=""
for p in $list; do
	echo "$manline" | grep -qw "$p" || missing="$missing man:$p"
	echo "$confline" | grep -qw "$p" || missing="$missing conf:$p"
done
ok "the man page and the example configuration name every shipped policy${missing:+ (missing:$missing)}" [ -z "$missing" ]
done_tap
