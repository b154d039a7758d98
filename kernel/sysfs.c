// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/p2pmap/: version, the bounce pool and global counters, one value per file (the
 * policy's files are policy.c's own group).
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "internal.h"

/* /sys/kernel/p2pmap; policy.c adds its own group. */
struct kobject *p2pmap_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", P2PMAP_VERSION);
}

#define P2PMAP_BOUNCE_ATTR(_name)						\
static ssize_t _name##_show(struct kobject *kobj, struct kobj_attribute *attr,	\
			    char *buf)						\
{										\
	return sysfs_emit(buf, "%lu\n", p2pmap_##_name());			\
}										\
static struct kobj_attribute _name##_attr = __ATTR_RO(_name)

P2PMAP_BOUNCE_ATTR(bounce_in_use);
P2PMAP_BOUNCE_ATTR(bounce_hwm);
P2PMAP_BOUNCE_ATTR(bounce_cached);

/* A read-only attribute backed by one of the global counters (or by another atomic). */
struct counter_attr {
	struct kobj_attribute attr;
	size_t offset;
	atomic64_t *value;
};

static ssize_t counter_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct counter_attr *ca = container_of(attr, struct counter_attr, attr);

	return sysfs_emit(buf, "%lld\n", ca->value ? atomic64_read(ca->value) :
			  p2pmap_counter_sum(ca->offset));
}

#define COUNTER(_name, _field) {						\
	.attr = __ATTR(_name, 0444, counter_show, NULL),			\
	.offset = offsetof(struct p2pmap_counters, _field),			\
}

static struct counter_attr counters[] = {
	COUNTER(decisions_p2p, decisions[P2PMAP_VERDICT_P2P]),
	COUNTER(decisions_bounce, decisions[P2PMAP_VERDICT_BOUNCE]),
	COUNTER(decisions_reject, decisions[P2PMAP_VERDICT_REJECT]),
	COUNTER(bytes_ram, bytes_ram),
	COUNTER(bytes_p2p, bytes_p2p),
	COUNTER(bytes_bounce, bytes_bounce),
	COUNTER(maps, maps),
	COUNTER(map_errors, map_errors),
	COUNTER(mappings_active, mappings_active),
	COUNTER(pinned_pages, pinned_pages),
	COUNTER(bytes_devmem_read, bytes_devmem_read),
	COUNTER(bytes_devmem_written, bytes_devmem_written),
	{ .attr = __ATTR(policy_errors, 0444, counter_show, NULL), .value = &p2pmap_policy_errors },
};

static struct kobj_attribute version_attr = __ATTR_RO(version);

static struct attribute *p2pmap_attrs[ARRAY_SIZE(counters) + 5];

static const struct attribute_group p2pmap_group = {
	.attrs = p2pmap_attrs,
};

int p2pmap_sysfs_init(void)
{
	unsigned int i, n = 0;
	int ret;

	p2pmap_attrs[n++] = &version_attr.attr;
	p2pmap_attrs[n++] = &bounce_in_use_attr.attr;
	p2pmap_attrs[n++] = &bounce_hwm_attr.attr;
	p2pmap_attrs[n++] = &bounce_cached_attr.attr;
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		p2pmap_attrs[n++] = &counters[i].attr.attr;

	p2pmap_kobj = kobject_create_and_add("p2pmap", kernel_kobj);
	if (!p2pmap_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(p2pmap_kobj, &p2pmap_group);
	if (ret)
		kobject_put(p2pmap_kobj);
	return ret;
}

void p2pmap_sysfs_exit(void)
{
	sysfs_remove_group(p2pmap_kobj, &p2pmap_group);
	kobject_put(p2pmap_kobj);
}
