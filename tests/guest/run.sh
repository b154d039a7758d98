#!/bin/sh
# In-guest test runner: runs each named test from the repository root, prints its TAP on the
# console and keeps it in /mnt/out/tap/NAME.tap with its exit status in NAME.rc.
out=/mnt/out/tap
mkdir -p "$out"
for t in "$@"; do
	name=$(basename "$t")
	echo "# ---- $name"
	case "$t" in
	*.sh) sh "$t" ;;
	*) "$t" ;;
	esac >"$out/$name.tap" 2>&1
	echo $? >"$out/$name.rc"
	cat "$out/$name.tap"
done
