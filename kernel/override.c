// SPDX-License-Identifier: GPL-2.0-only
/*
 * Verified overrides: P2P for a pair the kernel refuses, only after a probe of these two
 * devices passed on this boot (verify.c), and only while the operator keeps it enabled.
 *
 * The state lives in the pair (struct p2pmap_override_state), and a pair lives only as long
 * as both its devices stay plugged in and keep their drivers: pair.c forgets it when either
 * is unbound or removed, so a rebound or re-plugged device starts unverified. Decisions read
 * the state without a lock (p2pmap_override_on()); the probe and the ioctls that change it
 * are serialised by one mutex, so two probes never share a DMA engine or a result.
 *
 * Under kernel lockdown, a probe and turning an override on are refused, as other interfaces
 * that let user space steer a device's DMA are (LOCKDOWN_PCI_ACCESS); turning one off is not.
 */
#include <linux/capability.h>
#include <linux/mutex.h>
#include <linux/security.h>
#include <linux/timekeeping.h>

#include "../include/p2pmap_args.h"
#include "client.h"

static DEFINE_MUTEX(probe_lock);	/* one probe at a time; writers of pair->ovr */

/* Record a probe's result in its pair. Called under probe_lock. */
static void record(struct p2pmap_pair *pair, const struct p2pmap_verify *v, bool enable)
{
	struct p2pmap_override_state *o = &pair->ovr;

	WRITE_ONCE(o->probe_result, v->result);
	if (v->result != P2PMAP_PROBE_PASS) {
		/* Nothing goes P2P on the strength of an earlier probe now. */
		WRITE_ONCE(o->state, 0);
		atomic64_inc(&o->failed);
		return;
	}
	atomic64_inc(&o->passed);
	WRITE_ONCE(o->verified_at, ktime_get_real_seconds());
	WRITE_ONCE(o->state, o->state | P2PMAP_OVERRIDE_VERIFIED |
		   (enable ? P2PMAP_OVERRIDE_ENABLED : 0));
	if (enable)
		pci_info(pair->client, "p2pmap: verified override for %s enabled\n",
			 pci_name(pair->provider));
}

/**
 * p2pmap_ioc_verify() - P2PMAP_IOC_VERIFY: probe a pair, and enable its override if asked
 * @uarg: struct p2pmap_verify
 *
 * Return: 0 when the probe ran, or a negative errno (include/uapi/p2pmap.h).
 */
long p2pmap_ioc_verify(void __user *uarg)
{
	struct p2pmap_pair *pair;
	struct p2pmap_verify arg;
	u32 argsz;
	int ret;

	ret = p2pmap_arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((arg.flags & ~P2PMAP_VERIFY_ENABLE) || arg.reserved)
		return -EINVAL;
	ret = security_locked_down(LOCKDOWN_PCI_ACCESS);
	if (ret)
		return ret;
	pair = p2pmap_pair_lookup(&arg.provider, &arg.client);
	if (IS_ERR(pair))
		return PTR_ERR(pair);
	memset(&arg.result, 0, sizeof(arg) - offsetof(struct p2pmap_verify, result));

	ret = mutex_lock_interruptible(&probe_lock);
	if (ret)
		goto out;
	ret = p2pmap_client_verify(pair->provider, &pair->client->dev, &arg);
	if (!ret)
		record(pair, &arg, arg.flags & P2PMAP_VERIFY_ENABLE);
	/* A device unbound or removed meanwhile: the result is of a pair that is gone. */
	if (!ret && !p2pmap_pair_live(pair))
		ret = -ENODEV;
	arg.override = pair->ovr.state;
	mutex_unlock(&probe_lock);
	if (!ret)
		ret = p2pmap_arg_out(uarg, &arg, sizeof(arg), argsz);
out:
	p2pmap_pair_put(pair);
	return ret;
}

/**
 * p2pmap_ioc_override() - P2PMAP_IOC_OVERRIDE: enable or disable a verified pair's override
 * @uarg: struct p2pmap_override
 *
 * Return: 0 or a negative errno (include/uapi/p2pmap.h).
 */
long p2pmap_ioc_override(void __user *uarg)
{
	struct p2pmap_override arg;
	struct p2pmap_pair *pair;
	struct p2pmap_override_state *o;
	u32 argsz;
	int ret;

	ret = p2pmap_arg_in(&arg, sizeof(arg), sizeof(arg), uarg, &argsz);
	if (ret)
		return ret;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((arg.flags != P2PMAP_OVERRIDE_ADD && arg.flags != P2PMAP_OVERRIDE_DEL) ||
	    arg.reserved)
		return -EINVAL;
	if (arg.flags == P2PMAP_OVERRIDE_ADD) {
		ret = security_locked_down(LOCKDOWN_PCI_ACCESS);
		if (ret)
			return ret;
	}
	pair = p2pmap_pair_lookup(&arg.provider, &arg.client);
	if (IS_ERR(pair))
		return PTR_ERR(pair);
	o = &pair->ovr;

	mutex_lock(&probe_lock);
	if (arg.flags == P2PMAP_OVERRIDE_DEL) {
		if (o->state & P2PMAP_OVERRIDE_ENABLED)
			pci_info(pair->client, "p2pmap: verified override for %s disabled\n",
				 pci_name(pair->provider));
		WRITE_ONCE(o->state, o->state & ~P2PMAP_OVERRIDE_ENABLED);
	} else if (!(o->state & P2PMAP_OVERRIDE_VERIFIED)) {
		ret = -ENOKEY;
	} else if (!(o->state & P2PMAP_OVERRIDE_ENABLED)) {
		WRITE_ONCE(o->state, o->state | P2PMAP_OVERRIDE_ENABLED);
		pci_info(pair->client, "p2pmap: verified override for %s enabled\n",
			 pci_name(pair->provider));
	}
	arg.override = o->state;
	arg.verified_at = o->verified_at;
	mutex_unlock(&probe_lock);
	if (!ret)
		ret = p2pmap_arg_out(uarg, &arg, sizeof(arg), argsz);
	p2pmap_pair_put(pair);
	return ret;
}

/**
 * p2pmap_override_snap() - a pair's override state, for a STATS entry
 * @pair: the pair
 * @e: the entry
 *
 * Read without the probe lock: a snapshot taken while a probe ends may show its result
 * with the previous counts.
 */
void p2pmap_override_snap(struct p2pmap_pair *pair, struct p2pmap_pair_stat *e)
{
	const struct p2pmap_override_state *o = &pair->ovr;

	e->override = READ_ONCE(o->state);
	e->probe_result = READ_ONCE(o->probe_result);
	e->verified_at = READ_ONCE(o->verified_at);
	e->probes_passed = atomic64_read(&o->passed);
	e->probes_failed = atomic64_read(&o->failed);
}
