#!/usr/bin/env bash
# p2ppolicy on the host, where no module runs: usage, --help, exit codes, check-config.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib/tap.sh
P=build/user/p2ppolicy
t=$(mktemp -d)

ok "$P --help | grep -q '^Usage: p2ppolicy'" "--help prints the usage"
ok "$P --version | grep -q '^p2ppolicy [0-9]'" "--version prints the version"
ok "$P; [ \$? = 2 ]" "no command: exit 2"
ok "$P frobnicate 2>&1 | grep -q \"unknown command 'frobnicate'\"; $P frobnicate; [ \$? = 2 ]" \
   "an unknown command: one clear line, exit 2"
for c in status devices pairs explain load unload set rules verify override check-config daemon; do
	ok "$P $c --help | grep -q '^Usage: p2ppolicy $c' && $P help $c | grep -q '^Usage: p2ppolicy $c'" \
	   "$c --help"
done
ok "$P explain 03:00.0; [ \$? = 2 ]" "explain with one device: exit 2"
ok "$P explain 03:00 04:00.0 2>&1 | grep -q \"'03:00' is not a device\"" "explain names a bad address"
ok "$P explain 03:00.0 04:00.0 --size lots 2>&1 | grep -q 'is not a size'; $P explain 03:00.0 04:00.0 --size 0; [ \$? = 2 ]" \
   "explain refuses a bad --size"
ok "$P explain 03:00.0 04:00.0 --dir up; [ \$? = 2 ]" "explain refuses a bad --dir"
ok "$P load --set nokey size_threshold 2>&1 | grep -q 'is not KEY=VALUE'" "load refuses --set without ="
ok "$P load --list | grep -q '^size_threshold '" "load --list names the shipped policies"
ok "$P load nosuchpolicy 2>&1 | grep -q \"no shipped policy 'nosuchpolicy' (have: topology\"" \
   "load of an unknown name lists the shipped ones"
ok "$P load /nonexistent.bpf.o 2>&1 | grep -q 'cannot read policy /nonexistent.bpf.o'" \
   "load of a missing file says so"
ok "$P rules add 03:00.0 any 0-1M:p2p 512K-:bounce 2>&1 | grep -q 'size ranges overlap'; $P rules add 03:00.0 any 0-1M:p2p 512K-:bounce; [ \$? = 2 ]" \
   "rules add refuses overlapping ranges (exit 2)"
ok "$P rules frob; [ \$? = 2 ]" "rules with an unknown subcommand: exit 2"
ok "$P status 2>&1 | grep -q 'module is not loaded'; $P status; [ \$? = 1 ]" \
   "status without the module: one clear line, exit 1"

ok "$P check-config user/etc/p2ppolicy.conf | grep -q ': ok: policy rules'" "the example configuration checks out"
printf '[policy]\nname = size_threshold\n[tunables]\nmin_p2p_bytes = 1M\n' >$t/ok.conf
ok "$P check-config $t/ok.conf | grep -q 'ok: policy size_threshold, 1 tunable'" \
   "check-config accepts a tunable the policy has"
printf '[policy]\nname = size_threshold\n[tunables]\nmax_p2p_bytes = 1M\n' >$t/bad.conf
ok "$P check-config $t/bad.conf 2>&1 | grep -q \"bad.conf:4: policy size_threshold has no tunable 'max_p2p_bytes' (has: min_p2p_bytes)\"" \
   "check-config names a tunable the policy lacks, with file:line"
printf '[policy]\nname = rules\n[rule r]\nprovider = 03:00.0\nclient = any\nverdict = 0-2M:p2p 1M-:bounce\n' >$t/ov.conf
ok "$P check-config $t/ov.conf 2>&1 | grep -q 'ov.conf:6: verdict: size ranges overlap'; $P check-config $t/ov.conf; [ \$? = 1 ]" \
   "check-config reports overlapping ranges with file:line, exit 1"
ok "$P check-config $t/none.conf 2>&1 | grep -q 'none.conf: No such file'" "check-config of a missing file says so"
rm -rf "$t"
done_tap
