/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tunables: a policy's integer global variables, by name through BTF. Before load they are
 * set in the object (.data, .bss, .rodata); once attached they are read and changed through
 * the maps pinned under PIN_MAPS (.data and .bss: .rodata is frozen).
 */
#ifndef P2PPOLICY_TUNABLES_H
#define P2PPOLICY_TUNABLES_H

#include <bpf/bpf.h>

#include "config.h"
#include "fmt.h"

struct bpf_object;

/*
 * Set global variables of @obj before load; prints why on error, as "FILE:LINE: ..." if @file
 * (the configuration the tunables come from). 0 or -errno.
 */
int tunables_set(struct bpf_object *obj, const struct tunable *t, unsigned int n,
		 const char *file);

/* Change variables of the attached policy through its pinned maps. 0 or -errno; errors printed. */
int tunables_set_live(const struct tunable *t, unsigned int n);

/* ".data", ".bss", ".rodata" from "size_thr.data"; NULL for maps that hold no globals. */
const char *tunables_datasec(const char *map_name);

/* Add the variables of the pinned map @fd (info @mi), if it holds globals, to @pin. */
void tunables_read_pinned(int fd, const struct bpf_map_info *mi, struct policy_pin *pin);

#endif
