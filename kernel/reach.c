// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a client's DMA can reach: its DMA mask against the addresses p2pmap would hand it. For a
 * client without a translating IOMMU or DMA ops of its own, P2P memory beyond the mask bounces
 * (reason "dma-unreachable"), RAM pages beyond it are bounced, and bounce pages come from a zone
 * the mask reaches. docs/internals.md says why the DMA API alone does not do this.
 */
#include <linux/cc_platform.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/iommu-dma.h>
#include <linux/pci.h>
#include <linux/swiotlb.h>

#include "internal.h"

/* Memory encryption (cc_platform_has(), a call): fixed at boot, so read once at load. */
static bool mem_encrypted __ro_after_init;

/**
 * p2pmap_reach_init() - read at module load what the platform fixed at boot
 */
void __init p2pmap_reach_init(void)
{
	mem_encrypted = cc_platform_has(CC_ATTR_MEM_ENCRYPT);
}

/* The highest DMA address @dev can reach. */
static u64 p2pmap_dma_limit(struct device *dev)
{
	return min_not_zero(dma_get_mask(dev), dev->bus_dma_limit);
}

/*
 * @dev reaches every address: a 64-bit mask and no bus limit, the common case. The map and
 * decide paths test this first, so such a client pays for nothing else here (in particular not
 * for dma_addressing_limited(), which may walk the system RAM ranges).
 */
static bool p2pmap_dma_unlimited(struct device *dev)
{
	return p2pmap_dma_limit(dev) == DMA_BIT_MASK(64);
}

/* The DMA API maps @dev's RAM within its mask by itself: an IOMMU, DMA ops, or encryption. */
static bool p2pmap_dma_api_bounds(struct device *dev)
{
	return use_dma_iommu(dev) || get_dma_ops(dev) || mem_encrypted;
}

/* Whether @dev reaches DMA addresses @first to @last (DMA_MAPPING_ERROR: a hole, it does not). */
static bool p2pmap_dma_fits(struct device *dev, dma_addr_t first, dma_addr_t last)
{
	u64 limit = p2pmap_dma_limit(dev);

	return first != DMA_MAPPING_ERROR && last != DMA_MAPPING_ERROR &&
	       first <= last && last <= limit;
}

/* The client's DMA address of @phys in @provider's memory, for a pair's kernel verdict. */
static dma_addr_t p2pmap_p2p_dma_addr(struct pci_dev *provider, struct device *client,
				      u32 kernel_verdict, phys_addr_t phys)
{
	struct pci_bus_region region;
	struct resource res = DEFINE_RES_MEM(phys, 1);

	if (kernel_verdict == P2PMAP_KV_HOST_BRIDGE)
		return phys_to_dma(client, phys);
	pcibios_resource_to_bus(provider->bus, &region, &res);
	return region.start;
}

/**
 * p2pmap_pair_reaches() - whether a pair's client can address the provider's memory
 * @pair: the pair
 * @top: the physical address of the highest byte of the provider's memory in question (a
 *	mapping's), or 0 for all of the provider's memory BARs (EXPLAIN, which has no pages)
 * @override: a verified override is in force (read once per decision, p2pmap_decide())
 *
 * Reads the client's DMA mask and IOMMU state now: a driver may change them after the pair
 * was made. With @top 0 the answer is conservative: a provider whose P2P memory lies low in
 * a BAR that ends above the mask is judged by the BAR's end.
 *
 * Return: true if the client reaches it, or the kernel refuses the pair and no override is in
 * force (it bounces whatever this says), or an IOMMU translates the host-bridge path.
 */
bool p2pmap_pair_reaches(const struct p2pmap_pair *pair, phys_addr_t top, bool override)
{
	struct device *client = &pair->client->dev;
	u32 kv = pair->facts.kernel_verdict;
	int bar;

	if (kv == P2PMAP_KV_NOT_SUPPORTED) {
		if (!override)
			return true;
		/* An override maps with dma_map_resource(): the host bridge's addresses. */
		kv = P2PMAP_KV_HOST_BRIDGE;
	}
	if (p2pmap_dma_unlimited(client))
		return true;
	if (kv == P2PMAP_KV_HOST_BRIDGE && p2pmap_dma_api_bounds(client))
		return true;
	for (bar = 0; !top && bar < PCI_STD_NUM_BARS; bar++)
		if ((pci_resource_flags(pair->provider, bar) & IORESOURCE_MEM) &&
		    pci_resource_len(pair->provider, bar))
			top = max(top, pci_resource_end(pair->provider, bar));
	if (!top)
		return true;
	return p2pmap_dma_fits(client, 0, p2pmap_p2p_dma_addr(pair->provider, client, kv, top));
}

/**
 * p2pmap_dma_in_place() - whether a client's device-writable mappings need no overlap claim
 * @client: the client
 *
 * True when nothing but the device touches what the DMA API maps for @client: no device of
 * the platform needs CPU cache maintenance for DMA (a non-coherent one's would reach into
 * cache lines it shares with a coherent one's mapping), and the DMA API copies nothing for
 * @client (no forced swiotlb, no DMA ops of its own, not an untrusted device whose unaligned
 * edges iommu-dma bounces, no memory encryption). Two overlapping mappings can then garble
 * only the bytes they share, which both devices wrote: the DMA API's contract.
 *
 * Return: true if a mapping that p2pmap does not bounce may go unclaimed (claim.c).
 */
bool p2pmap_dma_in_place(struct device *client)
{
	if (IS_ENABLED(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) ||
	    IS_ENABLED(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU) ||
	    IS_ENABLED(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU_ALL))
		return false;
	return !is_swiotlb_force_bounce(client) && !get_dma_ops(client) &&
	       !(dev_is_pci(client) && to_pci_dev(client)->untrusted) && !mem_encrypted;
}

/**
 * p2pmap_ram_dma_limit() - the limit above which p2pmap bounces a client's RAM pages
 * @client: the client
 *
 * Return: 0 when the DMA API maps any RAM page for @client (its mask covers all memory, or an
 * IOMMU, DMA ops or memory encryption bound it), else the highest DMA address @client reaches.
 */
u64 p2pmap_ram_dma_limit(struct device *client)
{
	if (p2pmap_dma_unlimited(client) || !dma_addressing_limited(client) ||
	    p2pmap_dma_api_bounds(client))
		return 0;
	return p2pmap_dma_limit(client);
}

/**
 * p2pmap_ram_reachable() - whether @client reaches RAM at [@phys, @phys + @len)
 * @client: the client, with a p2pmap_ram_dma_limit() that is not 0
 * @phys: physical address of the first byte
 * @len: bytes, physically contiguous, at least 1
 *
 * Return: true if the DMA address of every byte fits the client's limit, as dma_capable()
 * has it.
 */
bool p2pmap_ram_reachable(struct device *client, phys_addr_t phys, unsigned int len)
{
	return p2pmap_dma_fits(client, phys_to_dma(client, phys),
			       phys_to_dma(client, phys + len - 1));
}

/**
 * p2pmap_bounce_gfp() - the first zone to take bounce pages from for a client
 * @client: the client
 * @limit: p2pmap_ram_dma_limit() of the client
 *
 * As dma-direct allocates: no zone when the limit is above 4 GiB of physical memory, else
 * ZONE_DMA32 (p2pmap_bounce_fill() checks each page and falls back to ZONE_DMA).
 *
 * Return: 0 for any page (also when @limit is 0), else GFP_DMA32.
 */
gfp_t p2pmap_bounce_gfp(struct device *client, u64 limit)
{
	if (!limit || dma_to_phys(client, limit) > DMA_BIT_MASK(32))
		return 0;
	return GFP_DMA32;
}

/**
 * p2pmap_dma_table_reachable() - whether every DMA segment of a mapped table fits the client
 * @client: the client
 * @sgt: the DMA-mapped table the client is handed
 *
 * The last check before a mapping is handed out: whatever decided it (a stale fact, a
 * caller's table), a device is never given an address above its mask.
 *
 * Return: true if every DMA segment lies within the client's DMA limit.
 */
bool p2pmap_dma_table_reachable(struct device *client, struct sg_table *sgt)
{
	struct scatterlist *sg;
	unsigned int i;

	if (p2pmap_dma_unlimited(client))
		return true;
	for_each_sgtable_dma_sg(sgt, sg, i)
		if (!p2pmap_dma_fits(client, sg_dma_address(sg),
				     sg_dma_address(sg) + sg_dma_len(sg) - 1))
			return false;
	return true;
}
