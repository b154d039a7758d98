#!/bin/sh
# The kernel-doc that holds the client contract and every exported call's: the kernel's own
# scripts/kernel-doc finds no warning in it (a parameter not described, a described one gone,
# a DOC: section that does not parse), and renders the contract's DOC: sections.
. tests/lib/tap.sh
t=$(mktemp -d)
kd=${KDIR:?KDIR: a kernel tree}/scripts/kernel-doc
files="include/p2pmap.h include/p2pmap_policy.h include/uapi/p2pmap.h kernel/*.c kernel/*.h samples/p2pmap_edu/p2pmap_edu.c"
# kernel-doc -none -Wall: the warnings only (the 6.12 tree's Perl script notes Sphinx's absence).
warnings() { "$kd" -none -Wall "$@" 2>&1 | grep -v 'Sphinx'; }
# shellcheck disable=SC2086
warnings $files >$t/w
ok "kernel-doc -Wall finds no warning in include/, kernel/ and the sample driver" [ ! -s $t/w ]
diag "$(head -5 $t/w)"
printf '/**\n * f() - a function\n * @a: gone\n */\nint f(int b);\n' >$t/bad.h
ok "... and finds one in a function whose parameter is not described (the check can fail)" \
   [ -n "$(warnings $t/bad.h)" ]
for s in Ownership Revocation "DMA addresses" "Bounce buffers" "Hostile timing" "One-shot mappings" \
	 Registrations; do
	ok "the contract's DOC: section \"$s\" renders" \
	   stdout_has '[a-z]' "$kd" -rst -function "$s" include/p2pmap.h
done
ok "... and a section that is not there renders nothing (the check can fail)" \
   not stdout_has '[a-z]' "$kd" -rst -function "No such section" include/p2pmap.h
rm -rf $t
done_tap
