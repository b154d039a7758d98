# Lab variant "faults": the switch topology, booted with DMA-API debug off, for the allocation
# fault injection of t_faults (failslab, fail_page_alloc). DMA-API debug's own bookkeeping
# allocates in the mapping path, and one injected failure there turns it off for the rest of
# the boot, which would leave every later check blind (the lab fails a run whose guest log
# says so). Every other variant keeps DMA-API debug on. Prints QEMU arguments, one per line.
bash "$(dirname "$0")/switch.sh"
echo "append dma_debug=off"
