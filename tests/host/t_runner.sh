#!/usr/bin/env bash
# The lab runner itself: a guest WARN fails the run, a hung guest times out, exit codes pass.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib/tap.sh
out=build/results/runner
tests/vm/run.sh --quiet --out $out/warn --timeout 120 -- insmod tests/kmod/p2pmap_warn_test.ko
rc=$?
ok "a deliberately WARNing module makes the runner fail with 125 ($rc)" [ $rc = 125 ]
ok "the WARN is in the kept console log" grep -q 'deliberate warning' "$out/warn/console.log"
tests/vm/run.sh --quiet --out $out/exit --timeout 120 -- 'exit 3'
rc=$?
ok "the guest command's exit status comes back ($rc)" [ $rc = 3 ]
tests/vm/run.sh --quiet --out $out/hang --timeout 20 -- 'sleep 600'
rc=$?
ok "a guest that does not finish is killed at the timeout ($rc)" [ $rc = 124 ]
done_tap
