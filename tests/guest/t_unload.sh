#!/bin/sh
# After the suites: everything unloads cleanly and the DMA-API debug counter is still zero.
. tests/lib/tap.sh
ok "[ \$(cat /sys/kernel/p2pmap/pinned_pages) = 0 ] && [ \$(cat /sys/kernel/p2pmap/bounce_in_use) = 0 ]" \
   "nothing pinned, no bounce pages in use"
# The "unpublished" variant's provider driver (t_unpublished.sh) goes first.
if grep -q '^p2pmap_unpub ' /proc/modules; then ok "rmmod p2pmap_unpub" "p2pmap_unpub unloads"; fi
ok "rmmod p2pmap_test && rmmod p2pmap_edu && rmmod p2pmap" "all modules unload"
if [ "$(cat /sys/kernel/debug/dma-api/disabled)" = N ]; then
	ok "[ \$(cat /sys/kernel/debug/dma-api/error_count) = 0 ]" "DMA-API debug error_count is 0"
else
	ok "grep -qw dma_debug=off /proc/cmdline" "DMA-API debug is off only because this boot asks so (dma_debug=off)"
fi
done_tap
