#!/bin/sh
# After the suites: everything unloads cleanly and the DMA-API debug counter is still zero.
. tests/lib/tap.sh
ok "nothing pinned" stdout_is 0 cat /sys/kernel/p2pmap/pinned_pages
ok "no bounce pages in use" stdout_is 0 cat /sys/kernel/p2pmap/bounce_in_use
# The "unpublished" variant's provider driver (t_unpublished.sh) goes first.
if grep -q '^p2pmap_unpub ' /proc/modules; then ok "p2pmap_unpub unloads" rmmod p2pmap_unpub; fi
ok "p2pmap_test unloads" rmmod p2pmap_test
ok "p2pmap_edu unloads" rmmod p2pmap_edu
ok "p2pmap unloads" rmmod p2pmap
if [ "$(cat /sys/kernel/debug/dma-api/disabled)" = N ]; then
	ok "DMA-API debug error_count is 0" stdout_is 0 cat /sys/kernel/debug/dma-api/error_count
else
	ok "DMA-API debug is off only because this boot asks so (dma_debug=off)" grep -qw dma_debug=off /proc/cmdline
fi
done_tap
