// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lab demo: for every provider/client pair of the topology, what p2pmap decides and why,
 * then real data through the edu DMA engine on that pair, checked byte for byte. demo.sh runs
 * it once with the built-in rule and once with a BPF policy attached; the argument is a title.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib.h"

#define PG 4096UL

static const char *verdict(uint32_t v)
{
	return v == P2PMAP_VERDICT_P2P ? "P2P" : v == P2PMAP_VERDICT_BOUNCE ? "BOUNCE" : "REJECT";
}

static const char *reason(uint32_t r)
{
	static const char *const names[] = {
		"none", "topology allows P2P", "no common upstream bridge, host bridge not whitelisted",
		"ACS redirect on the path", "client is not PCI", "policy", "policy demoted",
		"policy error", "bounce cap", "topology allows P2P through the host bridge",
		"different host bridges",
	};
	return r < ARRAY_SIZE(names) ? names[r] : "?";
}

int main(int argc, char **argv)
{
	const struct lab_dev *provs[2], *clients[2];
	const char *pn[2] = { "A (behind the switch)", "B (own root port)" };
	const char *cn[2] = { "edu behind the switch", "edu on the root complex" };
	struct p2pmap_edu_window w[2] = { { 0, PG }, { 3 * PG, PG } };
	struct lab lab;
	int fd, i, j, bad = 0;

	if (lab_find(&lab)) {
		fprintf(stderr, "demo: lab topology not found\n");
		return 1;
	}
	provs[0] = &lab.prov_a;
	provs[1] = &lab.prov_b;
	clients[0] = &lab.edu_sw;
	clients[1] = &lab.edu_rc;
	fd = p2pmap_open();

	if (argc > 1)
		printf("\n######## %s\n", argv[1]);
	printf("\n== Decisions (EXPLAIN of 16 KiB, no data moved)\n");
	printf("%-28s %-26s %-7s %-8s %s\n", "provider", "client", "verdict", "distance", "reason");
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			struct p2pmap_explain ex;

			xexplain(fd, provs[i], clients[j], 4 * PG, &ex);
			printf("%-28s %-26s %-7s %-8d %s\n", pn[i], cn[j], verdict(ex.verdict),
			       ex.distance, reason(ex.reason));
		}

	printf("\n== Real DMA through edu: 16 KiB of p2pmem -> RAM -> p2pmem (first and last page)\n");
	printf("%-28s %-26s %-10s %-12s %s\n", "provider", "client", "path", "DMA bytes", "data");
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			unsigned char *p2p = p2pmem_map(provs[i], 4 * PG, NULL);
			unsigned char *r = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			struct p2pmap_edu_copy c1, c2;
			int e1, e2;
			bool good;

			fill_pattern(p2p, 4 * PG, i * 2 + j);
			e1 = edu_copy(clients[j], p2p, r, 4 * PG, w, 2, &c1);
			memset(p2p, 0, 4 * PG);
			e2 = edu_copy(clients[j], r, p2p, 4 * PG, w, 2, &c2);
			good = !e1 && !e2 && !memcmp(p2p, r, PG) && !memcmp(p2p + 3 * PG, r + 3 * PG, PG) &&
			       check_pattern(p2p, PG, i * 2 + j, NULL);
			bad += !good;
			printf("%-28s %-26s %-10s %-12llu %s\n", pn[i], cn[j],
			       e1 ? strerror(-e1) : c1.src_bytes[1] ? "P2P" : "bounce",
			       (unsigned long long)(c1.dma_bytes + c2.dma_bytes),
			       good ? "correct" : "MISMATCH");
			munmap(p2p, 4 * PG);
			munmap(r, 4 * PG);
		}

	printf("\n== /sys/kernel/p2pmap counters (since the module loaded)\n");
	printf("decisions: P2P %llu, bounce %llu; bytes: P2P %llu, bounced %llu, RAM %llu; bounce pool high-water %llu pages\n",
	       (unsigned long long)p2pmap_stat("decisions_p2p"),
	       (unsigned long long)p2pmap_stat("decisions_bounce"),
	       (unsigned long long)p2pmap_stat("bytes_p2p"),
	       (unsigned long long)p2pmap_stat("bytes_bounce"),
	       (unsigned long long)p2pmap_stat("bytes_ram"),
	       (unsigned long long)p2pmap_stat("bounce_hwm"));
	close(fd);
	return bad ? 1 : 0;
}
