#!/usr/bin/env bash
# p2ppolicy's unit tests (cmocka, TAP): addresses, sizes, rules, configuration, output.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
echo "TAP version 13"
exec build/tests/unit/t_p2ppolicy
