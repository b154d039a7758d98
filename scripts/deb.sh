#!/usr/bin/env bash
# make deb: the Debian packages (debian/) in build/deb/, then lintian on them.
#
# dpkg-buildpackage runs in a copy of the checkout's files (tracked, and untracked ones that
# are not ignored) in build/deb/src, so that 'debian/rules clean' never touches this tree's
# build. KDIR (the kernel tree the BPF policies are compiled against) comes from make deb.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KDIR:?run through make deb (or set KDIR to a kernel tree)}"
say() { printf '  DEB     %s\n' "$*"; }
die() { printf 'deb: error: %s\n' "$*" >&2; exit 1; }

v=$(cat VERSION)
out=$PWD/build/deb
src=$out/src/p2pmap-$v
rm -rf "$out"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf - | tar -xf - -C "$src"
say "building in $src (KDIR=$KDIR)"
(cd "$src" && KDIR=$KDIR dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 ||
	{ tail -30 "$out/build.log" >&2; die "dpkg-buildpackage failed (log: $out/build.log)"; }
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out/"
rm -rf "$out/src"
for d in "$out"/*.deb; do say "$d"; done
# lintian: no errors; every warning fixed or overridden with its reason (debian/*.lintian-overrides).
lintian --fail-on error,warning --info "$out"/*.changes | tee "$out/lintian.txt" ||
	die "lintian found errors or warnings (above; $out/lintian.txt)"
say "lintian: no errors or warnings"
