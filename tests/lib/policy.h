/* SPDX-License-Identifier: GPL-2.0-only */
/* Policy helpers of the lab's programs: attach a shipped policy from its object file; the rules worst case. */
#ifndef P2PMAP_BENCH_POLICY_H
#define P2PMAP_BENCH_POLICY_H

#include <bpf/libbpf.h>

/*
 * Fill the rules policy's map @rules with @n rules for devices the lab does not have,
 * through its loaded writer program @writer (P2PMAP_RULES_WRITER), and with @freeze freeze
 * it, as p2ppolicy does: a decision the verdict cache does not answer (all of them, unfrozen)
 * then does all nine lookups and falls through to the built-in rule. 0 or -errno.
 */
int rules_fill_unmatched(struct bpf_map *rules, struct bpf_program *writer, unsigned int n,
			 bool freeze);

/*
 * Open bpf/NAME.bpf.o (NAME.bpf.o if NAME holds a '/'), load it (the rules policy with @nrules unmatched rules) and attach its
 * struct_ops map. Returns the link, and the object in @obj for bpf_object__close() after
 * bpf_link__destroy(); NULL on failure.
 */
struct bpf_link *policy_attach_file(const char *name, unsigned int nrules,
				    struct bpf_object **obj);

/* The same with the rules map left unfrozen (as bpftool struct_ops register leaves it). */
struct bpf_link *policy_attach_unfrozen(const char *name, unsigned int nrules,
					struct bpf_object **obj);

/* The same, as the shadow policy (P2PMAP_POLICY_SHADOW set before load). */
struct bpf_link *policy_attach_shadow_file(const char *name, struct bpf_object **obj);

/*
 * Set P2PMAP_POLICY_SHADOW in the flags of @ops (a struct_ops map of @obj, not loaded yet),
 * found by name in the object's BTF, as p2ppolicy does. 0 or -errno.
 */
int policy_make_shadow(struct bpf_object *obj, struct bpf_map *ops);

#endif
