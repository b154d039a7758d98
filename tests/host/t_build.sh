#!/usr/bin/env bash
# Host checks of the build: module BTF, UAPI header, checkpatch, config checks, caching.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib/tap.sh
KDIR=${KDIR:-$(scripts/build-kernel.sh --dir)}
# header_compiles HEADER COMPILER ARG...: a source that only includes HEADER compiles
# (COMPILER ARG... - reads it from stdin).
header_compiles() {
	local h=$1
	shift
	echo "#include \"$h\"" | "$@" -
}

ok "p2pmap.ko carries a .BTF section" stdout_has '\.BTF' readelf -S kernel/p2pmap.ko
ok "the p2pmap_edu.ko sample carries a .BTF section" stdout_has '\.BTF' readelf -S samples/p2pmap_edu/p2pmap_edu.ko
ok "the UAPI header compiles on its own (C99)" \
   header_compiles include/uapi/p2pmap.h gcc -std=c99 -Wall -Werror -fsyntax-only -x c
ok "the UAPI header compiles as C++" \
   header_compiles include/uapi/p2pmap.h g++ -Wall -Werror -fsyntax-only -x c++
ok "the sample's UAPI header compiles on its own (C99)" \
   header_compiles samples/p2pmap_edu/p2pmap_edu.h gcc -std=c99 -Wall -Werror -fsyntax-only -x c
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
ok "checkpatch.pl --strict is clean for kernel/, include/ and samples/" [ "$(printf '%s' "$cp_out" | grep -c .)" = 0 ]
# What DKMS runs on a kernel without one of the features p2pmap needs: a clear refusal.
for opt in CONFIG_PCI_P2PDMA CONFIG_DEBUG_INFO_BTF_MODULES CONFIG_BPF_JIT; do
	fake=$(mktemp -d)
	grep -v "^$opt=" "$KDIR/.config" >"$fake/.config"
	make -C kernel KDIR="$fake" modules >"$fake/out" 2>&1
	rc=$?
	ok "building against a kernel without $opt fails (exit $rc)" [ $rc != 0 ]
	ok "... with a clear message (lacks: $opt)" grep -q "lacks: $opt\$" "$fake/out"
	rm -rf "$fake"
done
ok "the lab kernel comes from the cache (no rebuild)" out_has cached scripts/build-kernel.sh
ok "make deps is idempotent" stdout_has 'all packages present' scripts/deps.sh
done_tap
