#!/usr/bin/env bash
# Host checks of the build against one lab kernel (run by tests/run-tests.sh once per kernel,
# with KDIR and P2PMAP_KERNEL set): the modules were built for it and carry BTF, the whole
# tree (p2pmap, the p2pmap_edu sample, the test modules) builds warning-free with W=1, checkpatch of
# this kernel has nothing to say, and the kernel itself came from the cache.
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top"
. tests/lib/tap.sh
k=${P2PMAP_KERNEL:-?}
KDIR=${KDIR:?KDIR must name the kernel tree}
rel=$(cat "$KDIR/include/config/kernel.release")

for m in kernel/p2pmap.ko samples/p2pmap_edu/p2pmap_edu.ko tests/kmod/p2pmap_test.ko; do
	ok "$k: $m is built for $rel" stdout_has "^$rel " modinfo -F vermagic "$m"
	ok "$k: $m carries a .BTF section" stdout_has '\.BTF' readelf -S "$m"
done

# W=1 in a copy of the tree, so the modules the lab loads stay as they are.
w=$(mktemp -d)
cp -r kernel include samples tests "$w/" 2>/dev/null
outs=$(make -s --no-print-directory module-outputs)
(cd "$w" && rm -f $outs)
make -C "$KDIR" M="$w/kernel" W=1 modules >"$w/kernel.log" 2>&1
rc1=$?
make -C "$KDIR" M="$w/tests/kmod" W=1 KBUILD_EXTRA_SYMBOLS="$w/kernel/Module.symvers" modules \
	>"$w/kmod.log" 2>&1
rc2=$?
make -C "$KDIR" M="$w/samples/p2pmap_edu" W=1 KBUILD_EXTRA_SYMBOLS="$w/kernel/Module.symvers" \
	modules >"$w/sample.log" 2>&1
rc3=$?
warn=$(cat "$w/kernel.log" "$w/kmod.log" "$w/sample.log" | grep -E 'warning:|error:' | sort -u)
[ -z "$warn" ] || echo "$warn" | head -20 | sed 's/^/# /'
ok "$k: make W=1 modules builds p2pmap" [ $rc1 = 0 ]
ok "$k: make W=1 modules builds the test modules" [ $rc2 = 0 ]
ok "$k: make W=1 modules builds the p2pmap_edu sample" [ $rc3 = 0 ]
ok "$k: the W=1 build has no warning" [ "$(printf '%s' "$warn" | grep -c .)" = 0 ]
rm -rf "$w"

cp_out=$(perl "$KDIR/scripts/checkpatch.pl" --no-tree --strict --terse \
	-f $(ls kernel/*.c kernel/*.h | grep -v -e "\.mod\.c$" -e "/trace\.h$") \
	include/*.h include/uapi/p2pmap.h samples/p2pmap_edu/p2pmap_edu.[ch] 2>&1 | grep -E 'ERROR|WARNING|CHECK')
[ -z "$cp_out" ] || echo "$cp_out" | head -20 | sed 's/^/# /'
ok "$k: checkpatch.pl --strict of this kernel is clean for kernel/, include/ and samples/" \
   [ "$(printf '%s' "$cp_out" | grep -c .)" = 0 ]
ok "$k: the lab kernel comes from the cache (no rebuild)" out_has cached scripts/build-kernel.sh
done_tap
