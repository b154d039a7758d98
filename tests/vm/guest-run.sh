#!/bin/sh
# In-guest test runner: runs each named test from the repository root, prints its TAP on the
# console and keeps it in /mnt/out/tap/NAME.tap with its exit status in NAME.rc. A test may
# carry arguments ("build/tests/t_fuzz --seed 7"): NAME is then the program's name and the
# arguments joined by '_' (t_fuzz_--seed_7), as tests/run-tests.sh expects.
. tests/lab.sh		# tap_name
out=/mnt/out/tap
mkdir -p "$out"
for t in "$@"; do
	prog=${t%% *}
	name=$(tap_name "$t")
	echo "# ---- $name"
	t0=$(date +%s)
	case "$prog" in
	*.sh) sh $t ;;
	*) $t ;;
	esac >"$out/$name.tap" 2>&1
	echo $? >"$out/$name.rc"
	cat "$out/$name.tap"
	echo "# ---- $name: $(($(date +%s) - t0)) s"
done
