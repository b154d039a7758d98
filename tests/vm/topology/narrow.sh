# Lab variant "narrow": the switch topology with both edus at QEMU's default DMA mask, 28 bits
# (no dma_mask=, and p2pmap_edu keeps its default dma_bits=28). Both providers' BARs lie above
# 256 MiB and so does most of the guest's 2 GiB of RAM: every path must bounce through memory
# the client reaches (t_dma_mask). Prints QEMU arguments, one per line.
bash "$(dirname "$0")/switch.sh" | sed -e 's/^\(-device edu\),dma_mask=[^,]*,/\1,/' -e '/^append p2pmap_edu\./d'
