#!/usr/bin/env bash
# p2ppolicy on the host, where no module runs: usage, --help, exit codes, check-config.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib/tap.sh
P=build/user/p2ppolicy
t=$(mktemp -d)

ok "--help prints the usage" stdout_has '^Usage: p2ppolicy' $P --help
ok "--version prints the version" stdout_has '^p2ppolicy [0-9]' $P --version
ok "no command: exit 2" exits 2 $P
ok "an unknown command: one clear line" out_has "unknown command 'frobnicate'" $P frobnicate
ok "an unknown command: exit 2" exits 2 $P frobnicate
for c in status devices pairs explain load unload set rules verify override check-config daemon; do
	ok "$c --help" stdout_has "^Usage: p2ppolicy $c" $P $c --help
	ok "help $c" stdout_has "^Usage: p2ppolicy $c" $P help $c
done
ok "explain with one device: exit 2" exits 2 $P explain 03:00.0
ok "explain names a bad address" out_has "'03:00' is not a device" $P explain 03:00 04:00.0
ok "explain refuses a bad --size: says so" out_has 'is not a size' $P explain 03:00.0 04:00.0 --size lots
ok "explain refuses --size 0: exit 2" exits 2 $P explain 03:00.0 04:00.0 --size 0
ok "explain refuses a bad --dir" exits 2 $P explain 03:00.0 04:00.0 --dir up
ok "load refuses --set without =" out_has 'is not KEY=VALUE' $P load --set nokey size_threshold
ok "load --list names the shipped policies" stdout_has '^size_threshold ' $P load --list
ok "load of an unknown name lists the shipped ones" \
   out_has "no shipped policy 'nosuchpolicy' (have: topology" $P load nosuchpolicy
ok "load of a missing file says so" \
   out_has 'cannot read policy /nonexistent.bpf.o' $P load /nonexistent.bpf.o
ok "rules add refuses overlapping ranges: says so" \
   out_has 'size ranges overlap' $P rules add 03:00.0 any 0-1M:p2p 512K-:bounce
ok "rules add refuses overlapping ranges (exit 2)" exits 2 $P rules add 03:00.0 any 0-1M:p2p 512K-:bounce
ok "rules with an unknown subcommand: exit 2" exits 2 $P rules frob
ok "status without the module: one clear line" out_has 'module is not loaded' $P status
ok "status without the module: exit 1" exits 1 $P status

ok "the example configuration checks out" stdout_has ': ok: policy rules' $P check-config user/etc/p2ppolicy.conf
printf '[policy]\nname = size_threshold\n[tunables]\nmin_p2p_bytes = 1M\n' >$t/ok.conf
ok "check-config accepts a tunable the policy has" \
   stdout_has 'ok: policy size_threshold, 1 tunable' $P check-config "$t/ok.conf"
printf '[policy]\nname = size_threshold\n[tunables]\nmax_p2p_bytes = 1M\n' >$t/bad.conf
ok "check-config names a tunable the policy lacks, with file:line" \
   out_has "bad.conf:4: policy size_threshold has no tunable 'max_p2p_bytes' (has: min_p2p_bytes)" $P check-config "$t/bad.conf"
printf '[policy]\nname = rules\n[rule r]\nprovider = 03:00.0\nclient = any\nverdict = 0-2M:p2p 1M-:bounce\n' >$t/ov.conf
ok "check-config reports overlapping ranges with file:line" \
   out_has 'ov.conf:6: verdict: size ranges overlap' $P check-config "$t/ov.conf"
ok "check-config of overlapping ranges: exit 1" exits 1 $P check-config "$t/ov.conf"
ok "check-config of a missing file says so" out_has 'none.conf: No such file' $P check-config "$t/none.conf"
rm -rf "$t"
done_tap
