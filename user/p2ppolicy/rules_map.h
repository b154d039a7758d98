/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rules map (P2PMAP_RULES_MAP, bpf/rules.h) of the rules policy: filled in the loaded
 * object before it attaches; listed and edited live through the pins under PIN_MAPS: the
 * map, read-only to user space, and its writer program (bpf/rules.h).
 */
#ifndef P2PPOLICY_RULES_MAP_H
#define P2PPOLICY_RULES_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rule.h"

struct bpf_map;
struct bpf_object;
struct bpf_program;

/* The rules map of @obj, or NULL if the policy takes no rules. */
struct bpf_map *rules_map_of(struct bpf_object *obj);
/* Its writer program (P2PMAP_RULES_WRITER), or NULL. */
struct bpf_program *rules_writer_of(struct bpf_object *obj);
/* Write @rules (hits zeroed) through the loaded writer @writer. 0 or -errno; errors printed. */
int rules_fill(int writer, const struct rule_def *rules, size_t n);
/* Rules in the map @fd. */
long rules_count(int fd);

/* The attached policy's rules, through the pin. 0 or -errno; errors printed. */
int rules_list(struct rule_def **out, uint64_t **hits, size_t *nr);
int rules_add(const struct rule_def *r, bool *replaced);
int rules_del(const struct rule_def *r);
/* Make the rules map hold exactly @rules (add/replace, then delete the others). */
int rules_sync(const struct rule_def *rules, size_t nr, unsigned int *changed);

#endif
