#!/usr/bin/env bash
# The Prometheus tools the tests check p2ppolicy's metrics with: promtool (Debian's
# prometheus package) and node_exporter (prometheus-node-exporter). They are taken out of
# the Debian packages into the cache, not installed: installing them would start a
# Prometheus server and an exporter on machines that run systemd.
#
#   scripts/test-tools.sh          fetch them if needed; print the directory that holds
#                                  bin/promtool and bin/node_exporter
#   scripts/test-tools.sh --dir    print that directory only (empty if not fetched yet)
set -euo pipefail

cache=${P2PMAP_CACHE:-$HOME/.cache/p2pmap}
dir=$cache/tools
[ "$(id -u)" = 0 ] || SUDO=sudo
SUDO=${SUDO:-}
PKGS=(prometheus prometheus-node-exporter)

say() { printf '  TOOLS   %s\n' "$*" >&2; }
die() { printf 'test-tools: error: %s\n' "$*" >&2; exit 1; }

if [ "${1:-}" = --dir ]; then
	[ -x "$dir/bin/promtool" ] && [ -x "$dir/bin/node_exporter" ] && echo "$dir"
	exit 0
elif [ $# -gt 0 ]; then
	die "usage: $0 [--dir]"
fi

# The versions apt would install, as the stamp of what is extracted.
want=""
for p in "${PKGS[@]}"; do
	v=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	if [ -z "$v" ] || [ "$v" = "(none)" ]; then
		say "apt-get update (no candidate for $p)"
		$SUDO apt-get update -qq || die "apt-get update failed"
		v=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	fi
	[ -n "$v" ] && [ "$v" != "(none)" ] || die "Debian has no package $p for this machine"
	want+="$p=$v "
done
if [ -x "$dir/bin/promtool" ] && [ -x "$dir/bin/node_exporter" ] &&
   [ "$(cat "$dir/stamp" 2>/dev/null)" = "$want" ]; then
	echo "$dir"
	exit 0
fi

say "fetching ${want% } (extracted into $dir, not installed)"
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/tools.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# apt downloads as its own user (_apt) into a directory that user may write, else as root
# with a warning.
chown _apt "$tmp" 2>/dev/null || chmod 755 "$tmp"
(cd "$tmp" && apt-get download -qq "${PKGS[@]}" >/dev/null) || die "apt-get download ${PKGS[*]} failed"
for deb in "$tmp"/*.deb; do
	dpkg-deb -x "$deb" "$tmp/root" || die "cannot unpack $deb"
done
mkdir -p "$tmp/new/bin"
cp "$tmp/root/usr/bin/promtool" "$tmp/new/bin/promtool"
cp "$tmp/root/usr/bin/prometheus-node-exporter" "$tmp/new/bin/node_exporter"
echo "$want" >"$tmp/new/stamp"
"$tmp/new/bin/promtool" --version >/dev/null 2>&1 || die "the extracted promtool does not run"
rm -rf "$dir"
mv "$tmp/new" "$dir"
echo "$dir"
