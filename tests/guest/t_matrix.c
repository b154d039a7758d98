// SPDX-License-Identifier: GPL-2.0-only
/*
 * The topology matrix of one lab variant: for every provider x edu client pair, the kernel
 * verdict, the P2P distance and the first bridge with ACS redirect that p2pmap reports are
 * checked against the variant's table (tests/vm/topology/VARIANT.expect, written from the PCI
 * spec, not from a run), and real data moves over every pair through the edu DMA engine, both
 * ways, checked byte for byte. No policy is attached: the built-in rule must take P2P exactly
 * where the kernel allows it and bounce the rest.
 *
 *   t_matrix [--bounce-all] [EXPECT-FILE]   (default: tests/vm/topology/$P2PMAP_VARIANT.expect)
 *
 * --bounce-all: a policy that bounces everything is attached (t_matrix_bounce.sh does that),
 * so every pair must bounce, whatever the kernel allows.
 *
 * The DMA address of each pair's mapping is checked too: inside the provider's BAR for bus
 * addresses (and for the host bridge without an IOMMU), an IOVA outside it when an IOMMU
 * translates (variant viommu), and RAM for a bounce.
 *
 * Transfers run one thread per client (each edu is its own DMA engine); a client's pairs run
 * one after the other. Each moves the first and the last page of a 16 KiB buffer (edu takes
 * 100 ms per transfer), while p2pmap maps all of it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../include/uapi/p2pmap_names.h"
#include "lib.h"

#define PG 4096UL
#define LEN (4 * PG)
#define MAXDEV 32

struct expect {
	char prov[16], client[16], acs[16];
	char verdict[16];
	int distance;
	bool seen;
};

struct result {
	int err1, err2;
	bool data_ok, path_ok;
	char path[2][16];
};

static struct lab_dev provs[MAXDEV], edus[MAXDEV];
static int np, ne;
static struct expect exp_tab[MAXDEV * MAXDEV];
static int nexp;
static struct result res[MAXDEV][MAXDEV];	/* [provider][client] */
static bool want_p2p[MAXDEV][MAXDEV];
static bool bounce_all;

/* The .expect tables spell kernel verdicts as include/uapi/p2pmap_names.h does. */
#define KV_NAME(sym, name) [sym] = name,
static const char *const kv_names[] = { P2PMAP_KV_NAMES(KV_NAME, KV_NAME) };

static const char *kv_name(uint32_t kv)
{
	return kv < ARRAY_SIZE(kv_names) && kv_names[kv] ? kv_names[kv] : "?";
}

static int load_expect(const char *file)
{
	char line[256];
	FILE *f = fopen(file, "r");
	int n = 0;

	if (!f)
		tap_bail("cannot open %s: %s", file, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		struct expect *e = &exp_tab[nexp];

		n++;
		if (line[strspn(line, " \t")] == '#' || line[strspn(line, " \t\n")] == 0)
			continue;
		if (nexp == ARRAY_SIZE(exp_tab) ||
		    sscanf(line, "%15s %15s %15s %d %15s", e->prov, e->client, e->verdict,
			   &e->distance, e->acs) != 5)
			tap_bail("%s:%d: want PROVIDER CLIENT VERDICT DISTANCE ACS-BRIDGE", file, n);
		nexp++;
	}
	fclose(f);
	return nexp;
}

static struct expect *find_expect(const char *prov, const char *client)
{
	int i;

	for (i = 0; i < nexp; i++)
		if (!strcmp(exp_tab[i].prov, prov) && !strcmp(exp_tab[i].client, client))
			return &exp_tab[i];
	return NULL;
}

/*
 * Map LEN bytes of @prov's p2pmem for @client and say where its DMA address points. Returns
 * "bar" (inside the provider's BAR), "iova" (translated, outside it), "bounce" or an error.
 */
static const char *dma_target(int fd, const struct lab_dev *prov, const struct lab_dev *client,
			      bool iommu)
{
	void *buf = p2pmem_map(prov, LEN, NULL);
	struct p2pmap_segment seg[4];
	uint32_t nr = ARRAY_SIZE(seg);
	struct p2pmap_map m;
	const char *what;

	if (xmap(fd, client, buf, LEN, P2PMAP_DIR_BIDIRECTIONAL, &m)) {
		munmap(buf, LEN);
		return "map failed";
	}
	if (xsegments(fd, m.handle, seg, &nr) || nr != 1)
		what = "segments?";
	else if (seg[0].kind == P2PMAP_SEG_BOUNCE)
		what = "bounce";
	else if (seg[0].kind != P2PMAP_SEG_P2P)
		what = "not p2p";
	else if (seg[0].dma_addr >= prov->bar_start && seg[0].dma_addr + LEN - 1 <= prov->bar_end)
		what = "bar";
	else
		what = iommu ? "iova" : "outside the BAR";
	xunmap(fd, m.handle);
	munmap(buf, LEN);
	return what;
}

static const char *path_of(const __u64 *b, int e)
{
	if (e)
		return "error";
	if (b[1] && b[2])
		return "P2P+bounce";
	return b[1] ? "P2P" : "bounce";
}

/* One client's pairs: p2pmem -> RAM -> p2pmem through this edu, for every provider. */
static void *client_thread(void *arg)
{
	int c = (int)(long)arg, p;
	struct p2pmap_edu_window w[2] = { { 0, PG }, { LEN - PG, PG } };

	for (p = 0; p < np; p++) {
		struct result *r = &res[p][c];
		unsigned char *p2p = p2pmem_map(&provs[p], LEN, NULL);
		unsigned char *ram = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint32_t seed = p * MAXDEV + c + 1;
		struct p2pmap_edu_copy c1, c2;
		const char *want = want_p2p[p][c] ? "P2P" : "bounce";

		if (ram == MAP_FAILED)
			tap_bail("mmap: %s", strerror(errno));
		fill_pattern(p2p, LEN, seed);
		r->err1 = edu_copy(&edus[c], p2p, ram, LEN, w, 2, &c1);
		memset(p2p, 0, LEN);
		r->err2 = edu_copy(&edus[c], ram, p2p, LEN, w, 2, &c2);
		r->data_ok = !r->err1 && !r->err2 && check_pattern(ram, PG, seed, NULL) &&
			     !memcmp(p2p, ram, PG) && !memcmp(p2p + LEN - PG, ram + LEN - PG, PG);
		snprintf(r->path[0], sizeof(r->path[0]), "%s", path_of(c1.src_bytes, r->err1));
		snprintf(r->path[1], sizeof(r->path[1]), "%s", path_of(c2.dst_bytes, r->err2));
		r->path_ok = !strcmp(r->path[0], want) && !strcmp(r->path[1], want);
		munmap(p2p, LEN);
		munmap(ram, LEN);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *variant = getenv("P2PMAP_VARIANT");
	pthread_t th[MAXDEV];
	char file[256], acs[16];
	bool iommu = !access("/sys/class/iommu/dmar0", F_OK);
	int p, c, fd, npairs, p2p = 0, bounced = 0, good = 0;
	uint64_t dma_errs;

	if (argc > 1 && !strcmp(argv[1], "--bounce-all")) {
		bounce_all = true;
		argc--;
		argv++;
	}
	if (argc > 1)
		snprintf(file, sizeof(file), "%s", argv[1]);
	else
		snprintf(file, sizeof(file), "tests/vm/topology/%s.expect",
			 variant ? variant : "switch");
	load_expect(file);
	if (lab_scan(provs, &np, edus, &ne, MAXDEV))
		tap_bail("cannot list the lab's devices");
	npairs = np * ne;
	tap_plan(3 + 3 * npairs);
	tap_diag("variant %s: %d providers x %d edu clients = %d pairs (%s)",
		 variant ? variant : "?", np, ne, npairs, file);
	tap_ok(npairs == nexp, "the table lists %d pairs and the lab has %d", nexp, npairs);

	fd = p2pmap_open();
	for (p = 0; p < np; p++)
		for (c = 0; c < ne; c++) {
			struct expect *e = find_expect(provs[p].name, edus[c].name);
			struct p2pmap_explain ex;
			int ret = xexplain(fd, &provs[p], &edus[c], LEN, &ex);

			if (ex.has_acs_bridge)
				pci_addr_str(&ex.acs_bridge, acs, sizeof(acs));
			else
				snprintf(acs, sizeof(acs), "-");
			if (!ret)
				want_p2p[p][c] = ex.kernel_verdict != P2PMAP_KV_NOT_SUPPORTED &&
						 !bounce_all;
			if (e)
				e->seen = true;
			tap_ok(!ret && e && !strcmp(kv_name(ex.kernel_verdict), e->verdict) &&
			       ex.distance == e->distance && !strcmp(acs, e->acs),
			       "%s -> %s: kernel %s, distance %d, ACS redirect first at %s (table: %s %d %s)",
			       provs[p].name, edus[c].name, ret ? strerror(-ret) : kv_name(ex.kernel_verdict),
			       ex.distance, acs, e ? e->verdict : "missing", e ? e->distance : 0,
			       e ? e->acs : "-");
		}
	tap_diag("DMA addresses: %s", iommu ? "an IOMMU translates (dmar0)" : "no IOMMU");
	for (p = 0; p < np; p++)
		for (c = 0; c < ne; c++) {
			const char *want, *got = dma_target(fd, &provs[p], &edus[c], iommu);

			if (!want_p2p[p][c])
				want = "bounce";
			else
				want = iommu ? "iova" : "bar";
			tap_ok(!strcmp(got, want), "%s -> %s: the DMA address is %s (want %s)",
			       provs[p].name, edus[c].name, got, want);
		}
	close(fd);
	for (p = 0; p < nexp && exp_tab[p].seen; p++)
		;
	tap_ok(p == nexp, "every pair in the table exists in the lab%s%s%s",
	       p < nexp ? " (not found: " : "", p < nexp ? exp_tab[p].prov : "", p < nexp ? ")" : "");

	dma_errs = dma_api_errors();
	for (c = 0; c < ne; c++)
		if (pthread_create(&th[c], NULL, client_thread, (void *)(long)c))
			tap_bail("pthread_create failed");
	for (c = 0; c < ne; c++)
		pthread_join(th[c], NULL);
	for (p = 0; p < np; p++)
		for (c = 0; c < ne; c++) {
			struct result *r = &res[p][c];

			p2p += want_p2p[p][c];
			bounced += !want_p2p[p][c];
			good += r->data_ok && r->path_ok;
			tap_ok(r->data_ok && r->path_ok,
			       "%s -> %s: data %s; p2pmem->RAM %s, RAM->p2pmem %s (%s wants %s)%s%s",
			       provs[p].name, edus[c].name, r->data_ok ? "correct" : "MISMATCH",
			       r->path[0], r->path[1], bounce_all ? "the policy" : "built-in",
			       want_p2p[p][c] ? "P2P" : "bounce",
			       r->err1 || r->err2 ? ": " : "",
			       r->err1 ? strerror(-r->err1) : r->err2 ? strerror(-r->err2) : "");
		}
	tap_ok(dma_api_errors() == dma_errs, "DMA-API debug reports no new errors");
	tap_diag("matrix %s%s: %d pairs, %d P2P, %d bounced, %d with data checked correct",
		 variant ? variant : "?", bounce_all ? " (bounce_all policy)" : "", npairs, p2p, bounced, good);
	return tap_done();
}
