// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data-integrity probe of a (provider, client) pair: real DMA by the client, checked byte
 * for byte by the CPU.
 *
 * 16 KiB of the provider's P2P memory (pci_alloc_p2pmem()) and 16 KiB of RAM are mapped for
 * the client as p2pmap maps an overridden pair's memory: the provider's with
 * dma_map_resource() (an IOVA where an IOMMU translates, the physical address through the host
 * bridge otherwise), the RAM with dma_map_page(). Both mappings are the client's, made while
 * its driver's registration is held (cdev.c), and go before the probe returns. The client's
 * driver then moves data with its own engine (p2pmap_client_ops.dma_copy()):
 *
 *  - READ: the provider's memory into RAM, the path a device takes to read P2P memory;
 *  - WRITE: RAM into the provider's memory, the path a device takes to write it;
 *
 * at several sizes and offsets (a page, unaligned lengths, a page boundary, a few bytes), every
 * READ before the first WRITE: a path that cannot even read is never written to. Each
 * destination is first filled with a known byte; afterwards the transfer must hold the
 * pattern written to the source and the bytes beside it must be untouched. A failure is told
 * by its signature: all ones (the fabric completed the request with an error, or dropped it:
 * the classic result of P2P through a host bridge that does not forward it), all zeros, the
 * known byte still there (the transfer did not land), or anything else (corrupt).
 *
 * The error status of every device on the path (both ends, a VF's PF, and the bridges between
 * them up to where their paths meet) is read before the first transfer and after the last: a
 * bit new in Device Status or in the AER status registers, and not masked in AER, fails a
 * probe whose data was right. Nothing is cleared; those registers are the AER driver's. Where
 * the kernel's AER driver handles errors it clears them, and an error it handled before the
 * second reading goes unseen: the check is complete where firmware owns AER or no AER
 * driver runs, best effort elsewhere. A device whose status cannot be read (all ones: in
 * D3cold, or gone) is left out of the comparison and logged.
 *
 * Without a translating IOMMU domain (none, or an identity one), dma_map_resource() hands the
 * client the CPU physical address of the provider's memory. Where the provider's PCI bus
 * addresses differ from its CPU addresses (translated host bridge windows: arm64, powerpc,
 * VMD), that address is not the BAR's on the bus, and a WRITE would go to whatever decodes
 * it: such a pair is refused (-EXDEV) before any DMA.
 *
 * CPU access to the provider's memory goes through the I/O accessors: it is device memory,
 * uncached, and on some architectures faults on unaligned access. CPU writes to it are
 * posted, so each fill is read back before the client's engine reads it.
 */
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/slab.h>

#include "internal.h"
#include "trace.h"

#define PROBE_SIZE	SZ_16K
#define PROBE_FILL	0x5a	/* a destination's known byte before a transfer */
#define PROBE_GUARD	16	/* bytes beside a transfer that must stay as they were */
#define PATH_DEVS	16	/* devices on a path whose errors are read; more are not */
#define DEVSTA_ERRORS	(PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED | \
			 PCI_EXP_DEVSTA_URD)

/* The transfers, each done both ways: sizes and offsets a driver's DMA meets. */
static const struct {
	u32 offset;
	u32 len;
} probe_cases[] = {
	{ 0, P2PMAP_PROBE_MAX_LEN },	/* most of a page, aligned */
	{ SZ_4K + 21, 1000 },		/* unaligned start and length */
	{ 2 * SZ_4K - 96, 192 },	/* across a page boundary */
	{ 3 * SZ_4K + 1, 3 },		/* a few bytes */
};

static_assert(2 * ARRAY_SIZE(probe_cases) <= P2PMAP_PROBE_MAX_CASES);

#define NAME_AT(sym, name)[sym] = name,
static const char *const result_names[] = { P2PMAP_PROBE_RESULT_NAMES(NAME_AT, NAME_AT) };
static const char *const dir_names[] = { P2PMAP_PROBE_DIR_NAMES(NAME_AT, NAME_AT) };

/* The byte at @i of case @c's pattern: neither all ones nor zeros, nor PROBE_FILL. */
static u8 pattern(unsigned int c, u32 i)
{
	return (u8)(i * 7 + c * 29 + (i >> 8) * 3 + 1) ^ 0xa5;
}

/*
 * One device's error status: Device Status' error bits, and AER's where it has AER, without
 * the bits AER masks. @valid: every register read back as something other than all ones.
 */
struct err_status {
	struct pci_dev *dev;
	int aer;		/* the AER capability's offset, 0: none */
	bool valid;
	u16 devsta;
	u32 uncor;
	u32 cor;
};

struct path_errors {
	unsigned int nr;
	struct err_status s[PATH_DEVS];
};

static void path_add(struct path_errors *pe, struct pci_dev *dev)
{
	unsigned int i;

	for (i = 0; i < pe->nr; i++)
		if (pe->s[i].dev == dev)
			return;
	/* A VF's link errors are logged in its PF. */
	if (dev->is_virtfn)
		path_add(pe, pci_physfn(dev));
	if (pe->nr < PATH_DEVS) {
		pe->s[pe->nr].dev = dev;
		pe->s[pe->nr++].aer = pci_find_ext_capability(dev, PCI_EXT_CAP_ID_ERR);
	}
}

/* Does @anc lie on @dev's way up to its root port (or is it @dev)? */
static bool is_above(struct pci_dev *anc, struct pci_dev *dev)
{
	for (; dev; dev = pci_upstream_bridge(dev))
		if (dev == anc)
			return true;
	return false;
}

/*
 * The devices a transfer between @a and @b passes: each, and the bridges above each up to the
 * first one above both (included); all the way up where they meet only in the host bridge.
 */
static void path_collect(struct path_errors *pe, struct pci_dev *a, struct pci_dev *b)
{
	struct pci_dev *d;

	for (d = a; d; d = pci_upstream_bridge(d)) {
		path_add(pe, d);
		if (is_above(d, b))
			break;
	}
	for (d = b; d; d = pci_upstream_bridge(d)) {
		path_add(pe, d);
		if (is_above(d, a))
			break;
	}
}

/* A config dword, and whether it read back as a value (not an error, not all ones). */
static bool read_dword(struct pci_dev *dev, int where, u32 *val)
{
	return !pci_read_config_dword(dev, where, val) && !PCI_POSSIBLE_ERROR(*val);
}

static void err_read(struct err_status *e, struct err_status *out)
{
	u32 umask = 0, cmask = 0;
	u16 sta = 0;

	out->dev = e->dev;
	out->aer = e->aer;
	out->uncor = 0;
	out->cor = 0;
	out->valid = !pcie_capability_read_word(e->dev, PCI_EXP_DEVSTA, &sta) &&
		     !PCI_POSSIBLE_ERROR(sta);
	out->devsta = sta & DEVSTA_ERRORS;
	if (e->aer && out->valid)
		out->valid = read_dword(e->dev, e->aer + PCI_ERR_UNCOR_STATUS, &out->uncor) &&
			     read_dword(e->dev, e->aer + PCI_ERR_COR_STATUS, &out->cor) &&
			     read_dword(e->dev, e->aer + PCI_ERR_UNCOR_MASK, &umask) &&
			     read_dword(e->dev, e->aer + PCI_ERR_COR_MASK, &cmask);
	out->uncor &= ~umask;
	out->cor &= ~cmask;
}

static void path_read(struct path_errors *pe)
{
	unsigned int i;

	for (i = 0; i < pe->nr; i++)
		err_read(&pe->s[i], &pe->s[i]);
}

/* Compare with @before's reading; log each device with a new error. Return: any new one. */
static bool path_new_errors(struct path_errors *before, struct device *client)
{
	bool found = false;
	unsigned int i;

	for (i = 0; i < before->nr; i++) {
		struct err_status *b = &before->s[i], now;

		err_read(b, &now);
		if (!b->valid || !now.valid) {
			dev_info(client, "p2pmap: probe: cannot read %s's error status (all ones)\n",
				 pci_name(b->dev));
			continue;
		}
		now.devsta &= ~b->devsta;
		now.uncor &= ~b->uncor;
		now.cor &= ~b->cor;
		if (!now.devsta && !now.uncor && !now.cor)
			continue;
		dev_warn(client,
			 "p2pmap: probe: %s reported an error: Device Status %#06x, AER uncorrectable %#010x, correctable %#010x (new bits)\n",
			 pci_name(b->dev), now.devsta, now.uncor, now.cor);
		found = true;
	}
	return found;
}

/* Does an IOMMU translate @dev's DMA (a domain that is neither missing nor identity)? */
static bool dma_translated(struct device *dev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	return domain && domain->type != IOMMU_DOMAIN_IDENTITY;
}

/* Does the BAR of @provider that holds @phys have bus addresses other than its CPU addresses? */
static bool bus_addr_differs(struct pci_dev *provider, phys_addr_t phys)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		struct resource *r = &provider->resource[bar];

		if (resource_type(r) == IORESOURCE_MEM && phys >= r->start && phys <= r->end)
			return pci_bus_address(provider, bar) != r->start;
	}
	return false;
}

struct probe {
	struct device *client;
	int (*copy)(struct device *dev, void *priv, dma_addr_t dst, dma_addr_t src, size_t len);
	void *priv;
	void *pmem;		/* the provider's memory: device memory, I/O accessors only */
	u8 *ram;
	u8 *got;		/* what the provider's memory holds, read back */
	dma_addr_t pmem_dma;
	dma_addr_t ram_dma;
};

/* Compare @got (the window plus PROBE_GUARD bytes each side, clipped) with what was meant. */
static u32 classify(struct p2pmap_probe_case *pc, unsigned int c, const u8 *buf)
{
	u32 lo = min_t(u32, pc->offset, PROBE_GUARD);
	u32 hi = min_t(u32, PROBE_SIZE - pc->offset - pc->len, PROBE_GUARD);
	const u8 *win = buf + pc->offset;
	bool ones = true, zeros = true, fill = true;
	u32 i, bad = U32_MAX;

	for (i = 0; i < pc->len; i++) {
		u8 want = pattern(c, i);

		ones &= win[i] == 0xff;
		zeros &= win[i] == 0;
		fill &= win[i] == PROBE_FILL;
		if (win[i] != want && bad == U32_MAX) {
			bad = i;
			pc->expected = want;
			pc->got = win[i];
		}
	}
	if (bad == U32_MAX) {
		/* The bytes beside the transfer must not have changed. */
		for (i = 1; i <= lo && bad == U32_MAX; i++)
			if (win[-(int)i] != PROBE_FILL)
				bad = -i;
		for (i = 0; i < hi && bad == U32_MAX; i++)
			if (win[pc->len + i] != PROBE_FILL)
				bad = pc->len + i;
		if (bad == U32_MAX)
			return P2PMAP_PROBE_PASS;
		pc->bad_offset = bad;
		pc->expected = PROBE_FILL;
		pc->got = win[(int)bad];
		return P2PMAP_PROBE_CORRUPT;
	}
	pc->bad_offset = bad;
	if (ones)
		return P2PMAP_PROBE_ALL_ONES;
	if (zeros)
		return P2PMAP_PROBE_ZEROS;
	if (fill)
		return P2PMAP_PROBE_NOT_WRITTEN;
	return P2PMAP_PROBE_CORRUPT;
}

/* One transfer: fill the destination, write the source, move, compare. */
static u32 probe_one(struct probe *p, unsigned int c, struct p2pmap_probe_case *pc)
{
	void __iomem *pio = (void __iomem __force *)p->pmem;
	bool read = pc->dir == P2PMAP_PROBE_READ;
	u32 i;
	int ret;

	for (i = 0; i < pc->len; i++)
		p->got[i] = pattern(c, i);
	if (read) {
		memset(p->ram, PROBE_FILL, PROBE_SIZE);
		memcpy_toio(pio + pc->offset, p->got, pc->len);
	} else {
		memset_io(pio, PROBE_FILL, PROBE_SIZE);
		memcpy(p->ram + pc->offset, p->got, pc->len);
	}
	/* A read of the device completes only after the posted writes before it. */
	(void)readb(pio + pc->offset);
	dma_sync_single_for_device(p->client, p->ram_dma, PROBE_SIZE, DMA_BIDIRECTIONAL);
	if (read)
		ret = p->copy(p->client, p->priv, p->ram_dma + pc->offset,
			      p->pmem_dma + pc->offset, pc->len);
	else
		ret = p->copy(p->client, p->priv, p->pmem_dma + pc->offset,
			      p->ram_dma + pc->offset, pc->len);
	dma_sync_single_for_cpu(p->client, p->ram_dma, PROBE_SIZE, DMA_BIDIRECTIONAL);
	if (ret) {
		dev_warn(p->client, "p2pmap: probe: the driver's DMA failed (%d)\n", ret);
		return P2PMAP_PROBE_DMA_ERROR;
	}
	if (read)
		return classify(pc, c, p->ram);
	memcpy_fromio(p->got, pio, PROBE_SIZE);
	return classify(pc, c, p->got);
}

/**
 * p2pmap_probe() - test a pair's P2P path with the client's own DMA
 * @provider: the provider
 * @client: the client device, registered with p2pmap (its registration held by the caller)
 * @copy: the client driver's p2pmap_client_ops.dma_copy()
 * @priv: its argument
 * @out: filled in: the result, the transfers, bytes, duration and the provider's DMA address
 *
 * Runs every READ transfer before the first WRITE, and stops at the first failing one. Logs a
 * failure's signature, and each device on the path with an error new since the start.
 *
 * Context: process context, may sleep.
 * Return: 0 when the probe ran, -ENOMEM (no P2P memory or RAM), -EIO (the provider's memory
 * could not be mapped for the client), -EXDEV (no IOMMU translates the client's DMA, and the
 * provider's bus addresses differ from its CPU addresses).
 */
int p2pmap_probe(struct pci_dev *provider, struct device *client,
		 int (*copy)(struct device *dev, void *priv, dma_addr_t dst, dma_addr_t src,
			     size_t len),
		 void *priv, struct p2pmap_verify *out)
{
	struct probe p = { .client = client, .copy = copy, .priv = priv };
	struct path_errors *pe;
	u64 start = ktime_get_ns();
	struct p2pmap_probe_case *pc = NULL;
	struct page *page;
	phys_addr_t phys;
	unsigned int c, d;
	int ret = -ENOMEM;

	pe = kzalloc_obj(*pe, GFP_KERNEL);
	p.got = kmalloc(PROBE_SIZE, GFP_KERNEL);
	page = alloc_pages(GFP_KERNEL, get_order(PROBE_SIZE));
	p.pmem = pci_alloc_p2pmem(provider, PROBE_SIZE);
	if (!pe || !p.got || !page || !p.pmem)
		goto out_free;
	p.ram = page_address(page);

	p.ram_dma = dma_map_page(client, page, 0, PROBE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(client, p.ram_dma)) {
		ret = -EIO;
		goto out_free;
	}
	phys = page_to_phys(virt_to_page(p.pmem));
	p.pmem_dma = dma_map_resource(client, phys, PROBE_SIZE, DMA_BIDIRECTIONAL, 0);
	if (dma_mapping_error(client, p.pmem_dma)) {
		dev_info(client, "p2pmap: probe: %s's memory cannot be mapped for the device\n",
			 pci_name(provider));
		ret = -EIO;
		goto out_ram;
	}
	out->dma_provider = p.pmem_dma;
	if (!dma_translated(client) && bus_addr_differs(provider, phys)) {
		dev_info(client,
			 "p2pmap: probe: no IOMMU translates for the device, and %s's bus addresses are not its CPU addresses\n",
			 pci_name(provider));
		ret = -EXDEV;
		goto out_resource;
	}
	if (dev_is_pci(client))
		path_collect(pe, provider, to_pci_dev(client));
	else
		path_add(pe, provider);
	path_read(pe);

	out->result = P2PMAP_PROBE_PASS;
	for (d = P2PMAP_PROBE_READ; d <= P2PMAP_PROBE_WRITE; d++) {
		for (c = 0; c < ARRAY_SIZE(probe_cases); c++) {
			pc = &out->cases[out->nr_cases++];
			pc->dir = d;
			pc->offset = probe_cases[c].offset;
			pc->len = probe_cases[c].len;
			pc->result = probe_one(&p, c, pc);
			out->bytes += pc->len;
			if (pc->result != P2PMAP_PROBE_PASS) {
				out->result = pc->result;
				goto done;
			}
		}
	}
done:
	ret = 0;
	if (path_new_errors(pe, client) && out->result == P2PMAP_PROBE_PASS) {
		out->result = P2PMAP_PROBE_AER_ERROR;
		pc = NULL;
	}
	out->duration_ns = ktime_get_ns() - start;
	trace_p2pmap_probe(provider, client, out);
	if (pc && out->result != P2PMAP_PROBE_PASS)
		dev_warn(client,
			 "p2pmap: probe of %s failed, %s: %s of %u bytes at +%u, byte %d is %#04x, not %#04x\n",
			 pci_name(provider), result_names[out->result], dir_names[pc->dir],
			 pc->len, pc->offset, (int)pc->bad_offset, pc->got, pc->expected);
out_resource:
	dma_unmap_resource(client, p.pmem_dma, PROBE_SIZE, DMA_BIDIRECTIONAL, 0);
out_ram:
	dma_unmap_page(client, p.ram_dma, PROBE_SIZE, DMA_BIDIRECTIONAL);
out_free:
	if (p.pmem)
		pci_free_p2pmem(provider, p.pmem, PROBE_SIZE);
	if (page)
		__free_pages(page, get_order(PROBE_SIZE));
	kfree(p.got);
	kfree(pe);
	return ret;
}
