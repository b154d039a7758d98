# Sourced by tests/run-tests.sh and tests/stress.sh: boot a lab variant, run guest tests in it,
# collect their TAP; count every TAP file into the one closing line. Needs $res (results dir,
# with a tap/ subdirectory) and $timeout (seconds for one lab run).

# The name a guest test's TAP file gets (tests/vm/guest-run.sh names it the same way): the
# program's name, then its arguments joined by '_' ("t_fuzz_--seed_7").
tap_name() {
	local prog=${1%% *} f
	f=$(basename "$prog")
	[ "$prog" = "$1" ] || f="${f}_$(printf '%s' "${1#* }" | tr ' /' '__')"
	printf '%s\n' "$f"
}

# lab VARIANT TEST...: boot the variant, run the tests, keep their TAP as [KERNEL-]VARIANT-NAME.tap
# and the run's own verdict (clean guest log, no timeout) as [KERNEL-]VARIANT-lab-run.tap.
lab() {
	local v=$1 start rc t f tag
	shift
	# With LAB_KERNEL set (run-tests.sh: one pass per lab kernel), results carry its name.
	tag=${LAB_KERNEL:+$LAB_KERNEL-}$v
	echo "== lab tests, ${LAB_KERNEL:+kernel $LAB_KERNEL, }variant $v (QEMU ${P2PMAP_ACCEL:-tcg}; the edu engine needs 100 ms per transfer)"
	start=$(date +%s)
	# The packages boot runs on a root where tests/vm/packages.sh installed the Debian
	# packages (on the host, in a mount namespace of its own); it leaves the host's checks
	# in host-tap/.
	local runner=tests/vm/run.sh
	[ "$v" = packages ] && runner=tests/vm/packages.sh
	$runner --variant "$v" --timeout "$timeout" --out "$res/vm-$tag" -- sh tests/vm/guest-run.sh "$@"
	rc=$?
	echo "# lab run ($tag): exit $rc after $(( $(date +%s) - start )) s"
	echo "$tag $(( $(date +%s) - start ))" >>"$res/times"
	for t in "$@"; do
		f=$(tap_name "$t")
		if [ -f "$res/vm-$tag/share/tap/$f.tap" ]; then cp "$res/vm-$tag/share/tap/$f.tap" "$res/tap/$tag-${f%.sh}.tap"
		else echo "not ok 1 - $f did not run" >"$res/tap/$tag-${f%.sh}.tap"; fi
	done
	if [ "$v" = packages ]; then
		for f in t_deb_root t_deb_host; do
			if [ -f "$res/vm-$tag/host-tap/$f.tap" ]; then cp "$res/vm-$tag/host-tap/$f.tap" "$res/tap/$tag-host-$f.tap"
			else echo "not ok 1 - the host's $f did not run" >"$res/tap/$tag-host-$f.tap"; fi
		done
	fi
	{
		echo "TAP version 13"
		case $rc in
		0) echo "ok 1 - lab run ($tag) finished with a clean guest log" ;;
		125) echo "not ok 1 - kernel report in the guest log (see $res/vm-$tag/console.log)" ;;
		124) echo "not ok 1 - lab run ($tag) timed out or the guest crashed (see $res/vm-$tag/console.log)" ;;
		*) echo "not ok 1 - lab run ($tag) failed with status $rc" ;;
		esac
		echo "1..1"
	} >"$res/tap/$tag-lab-run.tap"
}

# Count every top-level "ok"/"not ok" line of $res/tap/*.tap; a file whose plan is missing or
# larger than what ran counts the missing tests as failed (a test program that crashed), and
# one that ran more than it planned counts one failure (its plan is wrong).
# Prints "N passed, N failed, N skipped"; the status says whether anything failed.
tap_count() {
	awk '
		FNR == 1 { if (NR > 1) finish(); plan = -1; seen = 0 }
		/^ok / { seen++; if ($0 ~ /# SKIP/) skip++; else pass++ }
		/^not ok / { seen++; fail++; print "FAIL: " FILENAME ": " $0 }
		/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0 }
		function finish() {
			if (plan < 0) { fail++; print "FAIL: " prev ": no TAP plan (crashed?)" }
			else if (seen < plan) { fail += plan - seen; print "FAIL: " prev ": ran " seen " of " plan }
			else if (seen > plan) { fail++; print "FAIL: " prev ": ran " seen ", planned " plan }
		}
		{ prev = FILENAME }
		END { finish(); printf "%d passed, %d failed, %d skipped\n", pass, fail, skip; exit fail > 0 }
	' "$res"/tap/*.tap
}
