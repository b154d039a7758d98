#!/usr/bin/env bash
# Build (once) and cache a p2pmap lab kernel.
#
#   scripts/build-kernel.sh            build if needed, print the build tree on stdout
#   scripts/build-kernel.sh --dir      print the build tree the current config maps to
#   scripts/build-kernel.sh --fetch    only fetch the source (a no-op for a system package)
#   P2PMAP_KERNEL=7.3 ...              another lab kernel (tests/vm/kernels; default 6.12)
#   KASAN=1 scripts/build-kernel.sh    the KASAN variant (adds tests/vm/kasan.config)
#   BENCH=1 scripts/build-kernel.sh    the benchmark variant, without the bug catchers
#                                      (adds tests/vm/bench.config; make bench)
#   P2PMAP_REFRESH=1 ...               look for a newer source of a privately fetched kernel
#
# The tree lives in $P2PMAP_CACHE (default ~/.cache/p2pmap), outside the checkout, keyed by
# the Debian linux-source version and the content of the config fragments. Built trees are
# never rebuilt; a changed fragment gives a new key, and the new tree starts as a copy of a
# built tree of the same source, so kbuild rebuilds only what the changed options touch.
# `make modules` is run once so external modules link against Module.symvers.
#
# A kernel whose source comes from another Debian suite (HOW=private in tests/vm/kernels) is
# downloaded with apt state of this script's own in $P2PMAP_CACHE/apt/SUITE: the machine's
# apt sources are never changed. The version fetched first is kept (and its key with it)
# until P2PMAP_REFRESH=1 asks the suite again.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${P2PMAP_CACHE:-$HOME/.cache/p2pmap}
. "$top/scripts/apt-lib.sh"
frags=("$top/tests/vm/kernel.config")
[ "${KASAN:-0}" = 1 ] && frags+=("$top/tests/vm/kasan.config")
[ "${BENCH:-0}" = 1 ] && frags+=("$top/tests/vm/bench.config")

die() { printf 'build-kernel: error: %s\n' "$*" >&2; exit 1; }
say() { printf '  KERNEL  %s\n' "$*" >&2; }

row=$(kernel_row "${P2PMAP_KERNEL:-}")
[ -n "$row" ] || die "unknown P2PMAP_KERNEL='${P2PMAP_KERNEL:-}' (tests/vm/kernels has: $(kernel_names | tr '\n' ' '))"
read -r kname pkg suite how <<<"$row"

# fetch_private: download $pkg from $suite with private apt state; sets srcver and tarball.
fetch_private() {
	local st=$cache/apt/$suite uri deb
	local -a apt
	uri=$(debian_uris | head -n 1)
	[ -n "$uri" ] || die "no Debian 'bookworm' source in /etc/apt to take the mirror's URI from"
	mkdir -p "$st/lists/partial" "$st/cache/archives/partial" "$cache/src"
	echo "deb $uri $suite main" >"$st/sources.list"
	apt=(-o Dir::Etc::sourcelist="$st/sources.list" -o Dir::Etc::sourceparts=-
	     -o Dir::State::Lists="$st/lists" -o Dir::Cache="$st/cache" -o APT::Sandbox::User=root)
	say "looking up $pkg in $suite (private apt state in $st)"
	apt-get -qq "${apt[@]}" update >&2 || die "apt-get update of $suite failed"
	srcver=$(apt-cache "${apt[@]}" policy "$pkg" | awk '/Candidate:/ { print $2 }')
	[ -n "$srcver" ] && [ "$srcver" != "(none)" ] || die "$suite has no $pkg"
	tarball=$cache/src/${pkg}_$srcver.tar.xz
	if [ ! -f "$tarball" ]; then
		say "downloading $pkg $srcver"
		deb=$(mktemp -d "$cache/src/.dl.XXXXXX")
		(cd "$deb" && apt-get -qq "${apt[@]}" download "$pkg" >&2) || { rm -rf "$deb"; die "download of $pkg failed"; }
		dpkg-deb --fsys-tarfile "$deb"/*.deb | tar -xOf - "./usr/src/$pkg.tar.xz" >"$tarball.tmp" ||
			{ rm -rf "$deb" "$tarball.tmp"; die "$pkg's .deb has no /usr/src/$pkg.tar.xz"; }
		mv "$tarball.tmp" "$tarball"
		rm -rf "$deb"
	fi
	echo "$srcver" >"$cache/src/$pkg.version"
}

case $how in
system)
	tarball=/usr/src/$pkg.tar.xz
	[ -f "$tarball" ] || die "$tarball missing: run 'make deps' (package $pkg from $suite)"
	srcver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) || die "$pkg is not installed"
	;;
private)
	srcver=$(cat "$cache/src/$pkg.version" 2>/dev/null || true)
	tarball=$cache/src/${pkg}_$srcver.tar.xz
	if [ "${1:-}" != --dir ] && { [ -z "$srcver" ] || [ ! -f "$tarball" ] || [ "${P2PMAP_REFRESH:-0}" = 1 ]; }; then
		fetch_private
	fi
	[ -n "$srcver" ] || die "$pkg has not been fetched yet: run 'P2PMAP_KERNEL=$kname make kernel'"
	;;
*) die "tests/vm/kernels: '$how' for $kname is neither system nor private" ;;
esac

[ "${1:-}" = --fetch ] && { say "$kname: $tarball"; exit 0; }

# Recipe version: bump when this script changes how the tree is built.
key=$( { echo recipe=2; echo "src=$srcver"; cat "${frags[@]}"; } | sha256sum | cut -c1-12)
name="linux-$kname-${srcver//[^A-Za-z0-9.]/_}-$key"
dir="$cache/$name"
tree="$dir/$pkg"

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
say "building lab kernel $kname: $pkg $srcver (key $key) in $dir"
say "full log: $log"
rm -rf "$dir"
# A built tree of the same source under another key (the config fragments changed) seeds
# this one: kbuild records which CONFIG_ symbols each object depends on, so after the new
# configuration only what those symbols touch is rebuilt (minutes, not a full build).
seed=
for d in "$cache/linux-$kname-${srcver//[^A-Za-z0-9.]/_}-"*/; do
	d=${d%/}
	[ -f "$d/.built" ] && [ -d "$d/$pkg" ] || continue
	[ -z "$seed" ] || [ "$d/.built" -nt "$seed/.built" ] && seed=$d
done
if [ -n "$seed" ] && [ "${P2PMAP_NO_SEED:-0}" != 1 ]; then
	say "[1/4] seeding from the built tree $seed (P2PMAP_NO_SEED=1 builds from scratch)"
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
	cp -a --reflink=auto "$seed/$pkg" "$dir.tmp/" || { rm -rf "$dir.tmp"; die "copying $seed failed"; }
	mv "$dir.tmp" "$dir"
	# tools/ (objtool, resolve_btfids) record absolute paths: a changed command line would
	# rebuild objtool, and every object depends on the objtool binary.
	grep -rlI --exclude='*.o' "$seed/$pkg" "$tree/tools" 2>/dev/null |
		xargs -r sed -i "s|$seed/$pkg|$tree|g"
else
	mkdir -p "$dir"
	say "[1/4] extracting $tarball"
	tar -C "$dir" -xJf "$tarball"
fi

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
		# An option this kernel does not have at all (DMA_API_DEBUG_SG left in 6.13) is
		# not a failure: say so and go on.
		if ! grep -rqsE "^[[:space:]]*(menu)?config ${opt#CONFIG_}\$" --include='Kconfig*' .; then
			say "config: $opt does not exist in $kname: skipped"
			continue
		fi
		say "config: wanted $line, got: $(grep "^$opt=\|^# $opt is not set" .config || echo 'absent')"
		bad=1
	fi
done < <(cat "${frags[@]}" | awk -F= '/^CONFIG_/ { v[$1] = $0; if (!($1 in o)) { o[$1] = n++; k[n - 1] = $1 } }
				    END { for (i = 0; i < n; i++) print v[k[i]] }')
[ $bad = 0 ] || die "the config fragment does not apply to this kernel (unmet dependencies above)"

jobs=$(nproc)
say "[3/4] make -j$jobs bzImage modules (10-20 minutes on 2 cores; progress every minute)"
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
