// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a client's DMA can reach: its DMA mask against the addresses p2pmap would hand it.
 *
 * A device with a narrow mask (QEMU's edu: 28 bits; many older or embedded engines: 32) must
 * never be given an address above it: the device drops the high bits and reads or writes
 * somewhere else. The DMA API keeps RAM mappings within the mask itself (an IOMMU allocates
 * IOVAs below it, swiotlb bounces), but when neither is there dma-direct can only fail the
 * mapping, and nothing checks a P2P bus address at all. So p2pmap checks three things:
 *
 *  - P2P: the provider's p2pmem, at the address the client would use (its PCI bus address
 *    through a switch; through the host bridge, its physical address unless an IOMMU
 *    translates), must lie within the mask. Otherwise the pair bounces, reason
 *    "dma-unreachable".
 *  - RAM: without a translating IOMMU, pages above the mask are bounced by p2pmap, as
 *    swiotlb would, instead of failing the mapping.
 *  - bounce pages: for such a client they come from a zone the mask reaches.
 */
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/pci.h>

#include "internal.h"

/* The highest DMA address @dev can reach. */
static u64 dma_limit(struct device *dev)
{
	return min_not_zero(dma_get_mask(dev), dev->bus_dma_limit);
}

/* An IOMMU translates @dev's DMA: its IOVAs always fit the mask. */
static bool dma_translated(struct device *dev)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	return dom && iommu_is_dma_domain(dom);
}

/* The last byte of the p2pmem published at @phys (in a provider's BAR), or 0 if none is. */
static phys_addr_t p2pmem_end(phys_addr_t phys)
{
	struct dev_pagemap *pgmap = p2pmap_get_dev_pagemap(PHYS_PFN(phys));
	phys_addr_t end = 0;

	if (!pgmap)
		return 0;
	if (pgmap->type == MEMORY_DEVICE_PCI_P2PDMA)
		end = pgmap->range.end;
	put_dev_pagemap(pgmap);
	return end;
}

/**
 * p2pmap_p2pmem_dma_top() - the highest DMA address a client would get for a provider
 * @provider: the provider
 * @client: the client
 * @kernel_verdict: enum p2pmap_kernel_verdict of the pair
 *
 * Looks at the p2pmem the provider published at the start and the end of each memory BAR
 * (pci_p2pdma_add_resource() takes a BAR or a part of it).
 *
 * Return: the DMA address of the last byte of the provider's p2pmem as the client would see
 * it, or 0 when there is nothing to check: the kernel refuses the pair, the provider
 * published nothing, or an IOMMU translates the client's DMA through the host bridge.
 */
u64 p2pmap_p2pmem_dma_top(struct pci_dev *provider, struct pci_dev *client, u32 kernel_verdict)
{
	struct pci_bus_region region;
	phys_addr_t end, top = 0;
	struct resource res;
	int bar;

	if (kernel_verdict == P2PMAP_KV_NOT_SUPPORTED)
		return 0;
	if (kernel_verdict == P2PMAP_KV_HOST_BRIDGE && dma_translated(&client->dev))
		return 0;
	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (!(pci_resource_flags(provider, bar) & IORESOURCE_MEM) ||
		    !pci_resource_len(provider, bar))
			continue;
		end = max(p2pmem_end(pci_resource_start(provider, bar)),
			  p2pmem_end(pci_resource_end(provider, bar)));
		top = max(top, end);
	}
	if (!top)
		return 0;
	if (kernel_verdict == P2PMAP_KV_HOST_BRIDGE)
		return phys_to_dma(&client->dev, top);
	res = (struct resource)DEFINE_RES_MEM(top, 1);
	pcibios_resource_to_bus(provider->bus, &region, &res);
	return region.start;
}

/**
 * p2pmap_pair_reaches() - whether a pair's client can address the provider's p2pmem
 * @pair: the pair
 *
 * Reads the client's DMA mask now: a driver may change it after the pair was made.
 *
 * Return: true if every P2P address of the provider fits the client's DMA mask.
 */
bool p2pmap_pair_reaches(const struct p2pmap_pair *pair)
{
	u64 top = pair->facts.p2pmem_dma_top;

	return !top || top <= dma_limit(&pair->client->dev);
}

/**
 * p2pmap_ram_dma_limit() - the limit above which p2pmap bounces a client's RAM pages
 * @client: the client
 *
 * Return: 0 when the DMA API maps any RAM page for @client (its mask covers all memory, or an
 * IOMMU translates), else the highest DMA address @client reaches.
 */
u64 p2pmap_ram_dma_limit(struct device *client)
{
	if (!dma_addressing_limited(client) || dma_translated(client))
		return 0;
	return dma_limit(client);
}

/**
 * p2pmap_ram_reachable() - whether @client reaches RAM at [@phys, @phys + @len)
 * @client: the client
 * @limit: p2pmap_ram_dma_limit() of @client, not 0
 * @phys: physical address of the first byte
 * @len: bytes, physically contiguous
 *
 * Return: true if the DMA address of every byte fits @limit.
 */
bool p2pmap_ram_reachable(struct device *client, u64 limit, phys_addr_t phys, unsigned int len)
{
	return phys_to_dma(client, phys + len - 1) <= limit;
}

/**
 * p2pmap_bounce_gfp() - the zone bounce pages for a client come from
 * @limit: p2pmap_ram_dma_limit() of the client
 *
 * Return: 0 (any page) when @limit is 0, else GFP_DMA32 or GFP_DMA, as dma-direct chooses.
 */
gfp_t p2pmap_bounce_gfp(u64 limit)
{
	if (!limit)
		return 0;
	return limit >= DMA_BIT_MASK(32) ? GFP_DMA32 : GFP_DMA;
}
