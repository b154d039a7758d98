#!/usr/bin/env bash
# Host checks of the build: module BTF, UAPI header, checkpatch, config checks, caching.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib/tap.sh
KDIR=${KDIR:-$(scripts/build-kernel.sh --dir)}

ok "readelf -S kernel/p2pmap.ko | grep -q '\.BTF'" "p2pmap.ko carries a .BTF section"
ok "readelf -S samples/p2pmap_edu/p2pmap_edu.ko | grep -q '\.BTF'" "the p2pmap_edu.ko sample carries a .BTF section"
ok "echo '#include \"include/uapi/p2pmap.h\"' | gcc -std=c99 -Wall -Werror -fsyntax-only -x c -" \
   "the UAPI header compiles on its own (C99)"
ok "echo '#include \"include/uapi/p2pmap.h\"' | g++ -Wall -Werror -fsyntax-only -x c++ -" \
   "the UAPI header compiles as C++"
ok "echo '#include \"samples/p2pmap_edu/p2pmap_edu.h\"' | gcc -std=c99 -Wall -Werror -fsyntax-only -x c -" \
   "the sample's UAPI header compiles on its own (C99)"
cp_out=$(perl "$KDIR/scripts/checkpatch.pl" --no-tree --strict --terse \
	-f $(ls kernel/*.c kernel/*.h | grep -v -e "\.mod\.c$" -e "/trace\.h$") \
	include/*.h include/uapi/p2pmap.h samples/p2pmap_edu/p2pmap_edu.[ch] 2>&1 | grep -E 'ERROR|WARNING|CHECK')
# TRACE_EVENT() has its own layout: lines ending in "(" and arguments aligned under the
# macro, and TRACE_DEFINE_ENUM() lists through a macro with a trailing ';', as in every
# include/trace/events/ header. Everything else is checked there too.
cp_out+=$(perl "$KDIR/scripts/checkpatch.pl" --no-tree --strict --terse \
	--ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT,TRAILING_SEMICOLON -f kernel/trace.h 2>&1 |
	grep -E 'ERROR|WARNING|CHECK')
# The vocabulary's X-macro lists are bare lists of entries that use their macro arguments
# more than once, by design (as the EM() lists of include/trace/events/).
cp_out+=$(perl "$KDIR/scripts/checkpatch.pl" --no-tree --strict --terse \
	--ignore COMPLEX_MACRO,MACRO_ARG_REUSE -f include/uapi/p2pmap_names.h 2>&1 |
	grep -E 'ERROR|WARNING|CHECK')
[ -z "$cp_out" ] || echo "$cp_out" | sed 's/^/# /'
ok "[ $(printf '%s' "$cp_out" | grep -c .) = 0 ]" "checkpatch.pl --strict is clean for kernel/, include/ and samples/"
# What DKMS runs on a kernel without one of the features p2pmap needs: a clear refusal.
for opt in CONFIG_PCI_P2PDMA CONFIG_DEBUG_INFO_BTF_MODULES CONFIG_BPF_JIT; do
	fake=$(mktemp -d)
	grep -v "^$opt=" "$KDIR/.config" >"$fake/.config"
	make -C kernel KDIR="$fake" modules >"$fake/out" 2>&1
	ok "[ $? != 0 ] && grep -q 'lacks: $opt\$' $fake/out" \
	   "building against a kernel without $opt fails with a clear message"
	rm -rf "$fake"
done
ok "scripts/build-kernel.sh 2>&1 | grep -q cached" "the lab kernel comes from the cache (no rebuild)"
ok "scripts/deps.sh | grep -q 'all packages present'" "make deps is idempotent"
done_tap
