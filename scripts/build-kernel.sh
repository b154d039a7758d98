#!/usr/bin/env bash
# Build (once) and cache the p2pmap lab kernel.
#
#   scripts/build-kernel.sh            build if needed, print the build tree on stdout
#   scripts/build-kernel.sh --dir      print the build tree the current config maps to
#   KASAN=1 scripts/build-kernel.sh    the KASAN variant (adds tests/vm/kasan.config)
#   BENCH=1 scripts/build-kernel.sh    the benchmark variant, without the bug catchers
#                                      (adds tests/vm/bench.config; make bench)
#
# The tree lives in $P2PMAP_CACHE (default ~/.cache/p2pmap), outside the checkout, keyed by
# the Debian linux-source version and the content of the config fragments. Built trees are
# never rebuilt; a changed fragment gives a new key. `make modules` is run once so external
# modules link against Module.symvers.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${P2PMAP_CACHE:-$HOME/.cache/p2pmap}
tarball=/usr/src/linux-source-6.12.tar.xz
frags=("$top/tests/vm/kernel.config")
[ "${KASAN:-0}" = 1 ] && frags+=("$top/tests/vm/kasan.config")
[ "${BENCH:-0}" = 1 ] && frags+=("$top/tests/vm/bench.config")

die() { printf 'build-kernel: error: %s\n' "$*" >&2; exit 1; }
say() { printf '  KERNEL  %s\n' "$*" >&2; }

[ -f "$tarball" ] || die "$tarball missing: run 'make deps' (package linux-source-6.12 from bookworm-backports)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) || die "linux-source-6.12 is not installed"
# Recipe version: bump when this script changes how the tree is built.
key=$( { echo recipe=2; echo "src=$srcver"; cat "${frags[@]}"; } | sha256sum | cut -c1-12)
name="linux-6.12-${srcver//[^A-Za-z0-9.]/_}-$key"
dir="$cache/$name"
tree="$dir/linux-source-6.12"

if [ "${1:-}" = --dir ]; then echo "$tree"; exit 0; fi

if [ -f "$dir/.built" ]; then
	say "cached: $tree"
	echo "$tree"
	exit 0
fi

mkdir -p "$cache"
# Serialise concurrent builds of the same key.
exec 9>"$cache/.$name.lock"
flock 9
if [ -f "$dir/.built" ]; then echo "$tree"; exit 0; fi

start=$(date +%s)
log="$cache/$name.log"
say "building lab kernel $srcver (key $key) in $dir"
say "full log: $log"
rm -rf "$dir"
mkdir -p "$dir"
say "[1/4] extracting $tarball"
tar -C "$dir" -xJf "$tarball"

cd "$tree"
say "[2/4] configuring: allnoconfig + ${frags[*]##*/}"
{
	make ARCH=x86_64 allnoconfig
	KCONFIG_CONFIG=.config scripts/kconfig/merge_config.sh -m .config "${frags[@]}"
	make ARCH=x86_64 olddefconfig
} >"$log" 2>&1 || die "configuration failed, see $log"

# Every option the fragments ask for must have survived olddefconfig (a later fragment's
# value for an option replaces an earlier one's).
bad=0
while IFS= read -r line; do
	case "$line" in ''|'#'*) continue ;; esac
	opt=${line%%=*}; val=${line#*=}
	if [ "$val" = n ]; then
		if grep -q "^$opt=" .config; then say "config: $opt is set but the fragment says n"; bad=1; fi
	elif ! grep -qx "$opt=$val" .config; then
		say "config: wanted $line, got: $(grep "^$opt=\|^# $opt is not set" .config || echo 'absent')"
		bad=1
	fi
done < <(cat "${frags[@]}" | awk -F= '/^CONFIG_/ { v[$1] = $0; if (!($1 in o)) { o[$1] = n++; k[n - 1] = $1 } }
				    END { for (i = 0; i < n; i++) print v[k[i]] }')
[ $bad = 0 ] || die "the config fragment does not apply to this kernel (unmet dependencies above)"

jobs=$(nproc)
say "[3/4] make -j$jobs bzImage modules (about 8 minutes on 2 cores)"
(
	while sleep 60; do
		printf '  KERNEL  ... %d min, %d objects built\n' $(( ($(date +%s) - start) / 60 )) \
			"$(find . -name '*.o' 2>/dev/null | wc -l)" >&2
	done
) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
make -j"$jobs" ARCH=x86_64 bzImage modules >>"$log" 2>&1 || die "kernel build failed, see $log (tail: $(tail -5 "$log"))"
kill $ticker 2>/dev/null || true

say "[4/4] checking the result"
[ -f vmlinux ] && [ -f arch/x86/boot/bzImage ] && [ -f Module.symvers ] || die "build produced no bzImage/Module.symvers"
[ -f scripts/checkpatch.pl ] || die "no checkpatch.pl in the tree"
touch "$dir/.built"
say "built in $(( $(date +%s) - start )) s: $tree"
echo "$tree"
