# Sourced by scripts/deps.sh and scripts/build-kernel.sh: what they need to know of the
# machine's apt configuration and of the lab kernels.

P2PMAP_TOP=${P2PMAP_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
P2PMAP_BP_FILE=/etc/apt/sources.list.d/p2pmap-backports.sources

# The URIs of the machine's main Debian source (deb822 or one-line format), one per line.
debian_uris() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && [ "$f" != "$P2PMAP_BP_FILE" ] || continue
		awk 'BEGIN{RS=""; FS="\n"}
		     /(^|\n)Suites:[^\n]*(^|[ \t])bookworm([ \t]|\n|$)/ {
		       for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); print $i }
		     }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { u = ""; s = "";
		       for (i = 2; i <= NF; i++) { if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; continue }
		         if (u == "") u = $i; else if (s == "") s = $i }
		       if (s == "bookworm") print u }' "$f"
	done | tr ' ' '\n' | awk 'NF && !seen[$0]++'
}

# kernel_row NAME: "NAME PACKAGE SUITE HOW" from tests/vm/kernels (NAME empty: the default).
kernel_row() {
	awk -v k="$1" '!/^#/ && NF == 4 && (k == "" || $1 == k) { print; exit }' \
		"$P2PMAP_TOP/tests/vm/kernels"
}

# kernel_names [HOW]: every lab kernel's name (or those fetched HOW).
kernel_names() {
	awk -v h="${1:-}" '!/^#/ && NF == 4 && (h == "" || $4 == h) { print $1 }' \
		"$P2PMAP_TOP/tests/vm/kernels"
}
