#!/bin/sh
# The topology matrix again with the bounce_all policy attached (p2ppolicy load): every pair,
# including those the kernel allows peer to peer, moves its data through bounce buffers.
if ! build/user/p2ppolicy load bounce_all >/dev/null; then
	echo "1..0 # SKIP cannot attach bounce_all"
	echo "Bail out! p2ppolicy load bounce_all failed"
	exit 1
fi
build/tests/t_matrix --bounce-all
rc=$?
build/user/p2ppolicy unload >/dev/null || { echo "# p2ppolicy unload failed"; rc=1; }
exit $rc
