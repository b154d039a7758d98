// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lab demo's data mover: for every provider/client pair of the topology, SIZE bytes of the
 * provider's p2pmem go through the edu DMA engine to RAM and back, and the data is checked byte
 * for byte. The edu engine needs 100 ms per 4 KiB, so it moves the first and the last page of
 * the buffer; p2pmap maps all of it. Prints one line per pair: the path each mapping took.
 *
 *   demo SIZE      (e.g. 16K, 1M)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib.h"

#define PG 4096UL

/* How the p2pmem side of a copy was mapped: @b is src_bytes or dst_bytes. */
static const char *path(const __u64 *b, int e)
{
	if (e)
		return strerror(-e);
	if (b[1] && b[2])
		return "P2P+bounce";
	return b[1] ? "P2P" : "bounce";
}

int main(int argc, char **argv)
{
	const struct lab_dev *provs[2], *clients[2];
	struct p2pmap_edu_window w[2];
	unsigned long len;
	struct lab lab;
	char *end;
	int i, j, bad = 0;

	len = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
	if (len && (*end == 'K' || *end == 'M'))
		len <<= *end++ == 'K' ? 10 : 20;
	if (!len || *end || len % PG || len < 2 * PG || len > (32UL << 20)) {
		fprintf(stderr, "usage: demo SIZE (whole pages, 8K .. 32M, e.g. 16K or 1M)\n");
		return 2;
	}
	if (lab_find(&lab)) {
		fprintf(stderr, "demo: lab topology not found\n");
		return 1;
	}
	provs[0] = &lab.prov_a;
	provs[1] = &lab.prov_b;
	clients[0] = &lab.edu_sw;
	clients[1] = &lab.edu_rc;
	w[0] = (struct p2pmap_edu_window){ 0, PG };
	w[1] = (struct p2pmap_edu_window){ len - PG, PG };

	printf("%-13s %-13s %8s  %-11s %-11s %9s  %s\n", "PROVIDER", "CLIENT", "SIZE",
	       "P2P->RAM", "RAM->P2P", "DMA BYTES", "DATA");
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			unsigned char *p2p = p2pmem_map(provs[i], len, NULL);
			unsigned char *r = mmap(NULL, len, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			struct p2pmap_edu_copy c1, c2;
			int e1, e2;
			bool good;

			if (p2p == MAP_FAILED || r == MAP_FAILED) {
				fprintf(stderr, "demo: cannot map %lu bytes\n", len);
				return 1;
			}
			fill_pattern(p2p, len, i * 2 + j);
			e1 = edu_copy(clients[j], p2p, r, len, w, 2, &c1);
			memset(p2p, 0, len);
			e2 = edu_copy(clients[j], r, p2p, len, w, 2, &c2);
			good = !e1 && !e2 && !memcmp(p2p, r, PG) &&
			       !memcmp(p2p + len - PG, r + len - PG, PG) &&
			       check_pattern(p2p, PG, i * 2 + j, NULL);
			bad += !good;
			printf("%-13s %-13s %7luK  %-11s %-11s %9llu  %s\n", provs[i]->name,
			       clients[j]->name, len >> 10, path(c1.src_bytes, e1), path(c2.dst_bytes, e2),
			       (unsigned long long)(c1.dma_bytes + c2.dma_bytes),
			       good ? "correct" : "MISMATCH");
			munmap(p2p, len);
			munmap(r, len);
		}
	return bad ? 1 : 0;
}
