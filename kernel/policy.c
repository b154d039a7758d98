// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF policies: struct p2pmap_policy_ops as a BPF struct_ops type.
 *
 * At most one policy is active. It is published through an RCU pointer that p2pmap_decide()
 * reads; attaching, replacing (the link's update) and detaching swap that pointer under
 * policy_mutex, so a mapping always sees either the old policy, the new one or the built-in
 * rule, never a half-attached state. The safety rules of docs/policies.md are enforced here:
 * a policy can always choose BOUNCE or REJECT, P2P only where the kernel allows it, a bad
 * verdict falls back to the built-in rule, and too many errors detach the policy (an "eject":
 * the policy stays registered with BPF, but p2pmap stops calling it until its link is gone).
 *
 * A policy refused on its way in (init_member, check_member, validate, its own init(), or
 * another policy in the way) is refused with a message that goes to the kernel log and to
 * /sys/kernel/p2pmap/last_error, where its loader reads it.
 *
 * Replacing a policy through its link's update: the new policy's init() runs first, while the
 * old one still decides; then one pointer store swaps them; then, after an RCU grace period
 * (no decide() of the old one still running), the old one's exit(). So a new policy whose
 * init() fails leaves the old one attached and untouched, and no mapping sees no policy.
 */
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "trace.h"

static int max_errors_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, UINT_MAX);
}

static const struct kernel_param_ops max_errors_ops = {
	.set = max_errors_set,
	.get = param_get_uint,
};

static unsigned int max_policy_errors = 100;
module_param_cb(max_policy_errors, &max_errors_ops, &max_policy_errors, 0644);
MODULE_PARM_DESC(max_policy_errors,
		 "Policy errors (bad verdicts, P2P on refused pairs) before the policy is detached (default 100, min 1)");

/**
 * struct p2pmap_policy - an attached policy
 * @ops: the BPF struct_ops data (lives as long as its map is registered)
 * @errors: policy errors since it was attached
 * @decisions: decisions since it was attached
 * @ejecting: set once, by the decision that reached max_policy_errors
 * @eject_work: calls ->exit() and frees this after an eject
 */
struct p2pmap_policy {
	struct p2pmap_policy_ops *ops;
	atomic64_t errors;
	atomic64_t decisions;
	atomic_t ejecting;
	struct work_struct eject_work;
};

static struct p2pmap_policy __rcu *active;
static DEFINE_MUTEX(policy_mutex);		/* reg, unreg, update */
static struct workqueue_struct *eject_wq;

/*
 * What /sys/kernel/p2pmap/policy_state says when no policy is attached. state_lock also
 * covers every change of @active, so the state never disagrees with the active policy.
 */
static DEFINE_SPINLOCK(state_lock);
static char last_msg[128];

/* Why the latest policy was refused; "" after a policy attached, or when userspace cleared it. */
static char last_error[160];

atomic64_t p2pmap_policy_errors;

/* Why a policy is refused: a pr_warn() that also goes to last_error, for its loader. */
static __printf(1, 2) void refusal_warn(const char *fmt, ...)
{
	unsigned long flags;
	char msg[sizeof(last_error)];
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_warn("%s\n", msg);
	spin_lock_irqsave(&state_lock, flags);
	strscpy(last_error, msg, sizeof(last_error));
	spin_unlock_irqrestore(&state_lock, flags);
}

static void fill_dev(struct pci_dev *pdev, struct p2pmap_policy_dev *d)
{
	d->domain = pci_domain_nr(pdev->bus);
	d->bus = pdev->bus->number;
	d->devfn = pdev->devfn;
	d->vendor = pdev->vendor;
	d->device = pdev->device;
	d->class = pdev->class;
	d->numa_node = dev_to_node(&pdev->dev);
}

static void fill_ctx(struct p2pmap_policy_ctx *ctx, struct p2pmap_pair *pair,
		     const struct p2pmap_request *req, u32 builtin, u32 builtin_reason,
		     bool dry_run)
{
	const struct p2pmap_facts *f = &pair->facts;
	const struct p2pmap_pair_stats *s = &pair->stats;

	fill_dev(pair->provider, &ctx->provider);
	fill_dev(pair->client, &ctx->client);
	ctx->path = (struct p2pmap_policy_path){
		.kernel_verdict = f->kernel_verdict,
		.distance = f->distance,
		.hops_provider = f->hops_provider,
		.hops_client = f->hops_client,
		.has_common_bridge = !!f->common_bridge,
		.acs_redirect = f->acs_redirect,
		.link_speed_mbps = f->link_speed_mbps,
		.link_width = f->link_width,
	};
	ctx->req = (struct p2pmap_policy_request){
		.len = req->len,
		.total_len = req->total_len,
		.nr_pages = req->nr_pages,
		.dir = req->dir,
	};
	ctx->stats = (struct p2pmap_policy_stats){
		.p2p = atomic64_read(&s->decisions[P2PMAP_VERDICT_P2P]),
		.bounce = atomic64_read(&s->decisions[P2PMAP_VERDICT_BOUNCE]),
		.reject = atomic64_read(&s->decisions[P2PMAP_VERDICT_REJECT]),
		.bytes_p2p = atomic64_read(&s->bytes_p2p),
		.bytes_bounce = atomic64_read(&s->bytes_bounce),
		.errors = atomic64_read(&s->errors),
	};
	ctx->builtin_verdict = builtin;
	ctx->builtin_reason = builtin_reason;
	ctx->explain = dry_run;
}

/*
 * Replace @old by @new (either may be NULL) if @old is still the active policy, and record
 * why in the state. Only one of unreg, update and an eject wins for a given @old.
 */
static bool policy_swap(struct p2pmap_policy *old, struct p2pmap_policy *new,
			enum p2pmap_policy_exit_kind why)
{
	unsigned long flags;
	bool won;

	spin_lock_irqsave(&state_lock, flags);
	won = unrcu_pointer(cmpxchg(&active, RCU_INITIALIZER(old), RCU_INITIALIZER(new))) == old;
	if (won && new) {
		last_msg[0] = '\0';
		last_error[0] = '\0';
	} else if (won && why == P2PMAP_POLICY_EXIT_ERRORS) {
		snprintf(last_msg, sizeof(last_msg),
			 "auto-detached: policy \"%s\" made %llu errors (max_policy_errors=%u)",
			 old->ops->name, atomic64_read(&old->errors), READ_ONCE(max_policy_errors));
	} else if (won) {
		snprintf(last_msg, sizeof(last_msg),
			 "detached: policy \"%s\" after %llu decisions, %llu errors",
			 old->ops->name, atomic64_read(&old->decisions),
			 atomic64_read(&old->errors));
	}
	spin_unlock_irqrestore(&state_lock, flags);
	return won;
}

static void policy_eject(struct p2pmap_policy *p, u64 errors)
{
	if (atomic_xchg(&p->ejecting, 1))
		return;
	/* Lost against unreg or update: they detach it and call ->exit() themselves. */
	if (!policy_swap(p, NULL, P2PMAP_POLICY_EXIT_ERRORS))
		return;
	pr_warn("policy \"%s\" detached after %llu errors; built-in rule in use\n",
		p->ops->name, errors);
	trace_p2pmap_policy(P2PMAP_POLICY_EV_AUTO_DETACH, p->ops->name, "",
			    atomic64_read(&p->decisions), errors);
	queue_work(eject_wq, &p->eject_work);
}

/* The pair's own error count is kept by p2pmap_stats_account(), from the reason. */
static void policy_error(struct p2pmap_policy *p, bool dry_run)
{
	u64 n;

	if (dry_run)
		return;
	atomic64_inc(&p2pmap_policy_errors);
	n = atomic64_inc_return(&p->errors);
	if (n >= READ_ONCE(max_policy_errors))
		policy_eject(p, n);
}

/**
 * p2pmap_policy_decide() - ask the active policy, if any, and apply the safety rules
 * @pair: the pair
 * @req: the request
 * @verdict: (in) the built-in verdict; (out) the final verdict
 * @reason: (in) the built-in reason; (out) the final reason
 * @dry_run: an EXPLAIN query: count nothing
 *
 * Called under rcu_read_lock(). Does nothing without a policy, and for pairs the kernel
 * refuses when the policy has %P2PMAP_POLICY_SUPPORTED_ONLY.
 *
 * Return: the name of the policy that was asked (valid until rcu_read_unlock()), or NULL if
 * none was.
 */
const char *p2pmap_policy_decide(struct p2pmap_pair *pair, const struct p2pmap_request *req,
				 u32 *verdict, u32 *reason, bool dry_run)
{
	bool refused = pair->facts.kernel_verdict == P2PMAP_KV_NOT_SUPPORTED;
	struct p2pmap_policy_ctx ctx;
	struct p2pmap_policy *p;
	u32 v;

	p = rcu_dereference(active);
	if (!p || (refused && (p->ops->flags & P2PMAP_POLICY_SUPPORTED_ONLY)))
		return NULL;

	fill_ctx(&ctx, pair, req, *verdict, *reason, dry_run);
	v = p->ops->decide(&ctx);
	if (!dry_run)
		atomic64_inc(&p->decisions);

	switch (v) {
	case P2PMAP_VERDICT_P2P:
		if (refused) {
			*verdict = P2PMAP_VERDICT_BOUNCE;
			*reason = P2PMAP_REASON_POLICY_DEMOTED;
			policy_error(p, dry_run);
			break;
		}
		fallthrough;
	case P2PMAP_VERDICT_BOUNCE:
	case P2PMAP_VERDICT_REJECT:
		*verdict = v;
		*reason = P2PMAP_REASON_POLICY;
		break;
	default:
		*reason = P2PMAP_REASON_POLICY_ERROR;	/* and the built-in verdict */
		policy_error(p, dry_run);
	}
	return p->ops->name;
}

/* ->exit(), once the last ->decide() through @p has returned. */
static void policy_exit(struct p2pmap_policy *p, enum p2pmap_policy_exit_kind kind)
{
	struct p2pmap_policy_exit_info info = {
		.kind = kind,
		.errors = atomic64_read(&p->errors),
		.decisions = atomic64_read(&p->decisions),
	};

	synchronize_rcu();
	if (p->ops->exit)
		p->ops->exit(&info);
	if (kind == P2PMAP_POLICY_EXIT_UNREG)
		trace_p2pmap_policy(P2PMAP_POLICY_EV_DETACH, p->ops->name, "", info.decisions,
				    info.errors);
	pr_info("policy \"%s\" detached (%s): %llu decisions, %llu errors\n", p->ops->name,
		kind == P2PMAP_POLICY_EXIT_ERRORS ? "too many errors" :
		kind == P2PMAP_POLICY_EXIT_REPLACED ? "replaced" : "unregistered",
		info.decisions, info.errors);
}

static void policy_eject_workfn(struct work_struct *work)
{
	struct p2pmap_policy *p = container_of(work, struct p2pmap_policy, eject_work);

	policy_exit(p, P2PMAP_POLICY_EXIT_ERRORS);
	kfree(p);
}

/*
 * Finish every eject in flight: one that won its cmpxchg queues its work before leaving its
 * RCU read-side section, so after a grace period flushing the queue runs it to the end. unreg
 * and update call this last, so no ->exit() of theirs runs after BPF frees the map.
 */
static void policy_flush_ejects(void)
{
	synchronize_rcu();
	flush_workqueue(eject_wq);
}

/* Allocate the wrapper of @ops and run its ->init(). */
static struct p2pmap_policy *policy_new(struct p2pmap_policy_ops *ops)
{
	struct p2pmap_policy *p;
	int ret;

	p = kzalloc_obj(*p, GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->ops = ops;
	INIT_WORK(&p->eject_work, policy_eject_workfn);
	if (ops->init) {
		ret = ops->init();
		if (ret) {
			refusal_warn("policy \"%s\": init() returned %d, not attached",
				     ops->name, ret);
			kfree(p);
			return ERR_PTR(ret < 0 && ret >= -MAX_ERRNO ? ret : -EINVAL);
		}
	}
	return p;
}

static void policy_unreg(void *kdata, struct bpf_link *link)
{
	struct p2pmap_policy *cur;

	mutex_lock(&policy_mutex);
	cur = rcu_dereference_protected(active, lockdep_is_held(&policy_mutex));
	/* Not the active one: it was ejected (and ->exit() already called), or never attached. */
	if (!cur || cur->ops != kdata)
		goto out;
	/* If an eject won, its work calls ->exit(): policy_flush_ejects() waits for it. */
	if (!policy_swap(cur, NULL, P2PMAP_POLICY_EXIT_UNREG))
		goto out;
	policy_exit(cur, P2PMAP_POLICY_EXIT_UNREG);
	kfree(cur);
out:
	mutex_unlock(&policy_mutex);
	policy_flush_ejects();
}

/*
 * Make @ops the active policy: in place of @old_kdata's policy for the link's update (its
 * init() first, the old one's exit() after the swap), or where there is none (register, or
 * update of a link whose policy was auto-detached). Another link's policy makes it -EBUSY.
 */
static int policy_activate(struct p2pmap_policy_ops *ops, void *old_kdata)
{
	struct p2pmap_policy *p, *cur;
	int ret = 0;

	mutex_lock(&policy_mutex);
	cur = rcu_dereference_protected(active, lockdep_is_held(&policy_mutex));
	if (cur && cur->ops != old_kdata) {
		refusal_warn("policy \"%s\" not attached: \"%s\" is attached (replace it through its link's update, or remove it first)",
			     ops->name, cur->ops->name);
		ret = -EBUSY;
		goto out;
	}
	p = policy_new(ops);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	/* One store: every decision sees either @cur or @p. */
	if (cur && policy_swap(cur, p, P2PMAP_POLICY_EXIT_REPLACED)) {
		pr_info("policy \"%s\" replaces \"%s\"\n", ops->name, cur->ops->name);
		trace_p2pmap_policy(P2PMAP_POLICY_EV_REPLACE, ops->name, cur->ops->name,
				    atomic64_read(&cur->decisions), atomic64_read(&cur->errors));
		policy_exit(cur, P2PMAP_POLICY_EXIT_REPLACED);
		kfree(cur);
	} else {
		/* None, or @cur was auto-detached meanwhile (its work calls ->exit()). */
		policy_swap(NULL, p, 0);
		pr_info("policy \"%s\" attached\n", ops->name);
		trace_p2pmap_policy(P2PMAP_POLICY_EV_ATTACH, ops->name, "", 0, 0);
	}
out:
	mutex_unlock(&policy_mutex);
	policy_flush_ejects();
	return ret;
}

static int policy_reg(void *kdata, struct bpf_link *link)
{
	return policy_activate(kdata, NULL);
}

static int policy_update(void *kdata, void *old_kdata, struct bpf_link *link)
{
	return policy_activate(kdata, old_kdata);
}

static bool name_ok(const char *name)
{
	size_t len = strnlen(name, P2PMAP_POLICY_NAME_LEN);
	size_t i;

	if (!len || len == P2PMAP_POLICY_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

static int policy_init_member(const struct btf_type *t, const struct btf_member *member,
			      void *kdata, const void *udata)
{
	const struct p2pmap_policy_ops *uops = udata;
	struct p2pmap_policy_ops *ops = kdata;
	u32 moff = __btf_member_bit_offset(t, member) / 8;

	switch (moff) {
	case offsetof(struct p2pmap_policy_ops, flags):
		if (uops->flags & ~P2PMAP_POLICY_ALL_FLAGS) {
			refusal_warn("policy \"%.*s\" refused: unknown flags 0x%x",
				     P2PMAP_POLICY_NAME_LEN, uops->name,
				     uops->flags & ~P2PMAP_POLICY_ALL_FLAGS);
			return -EINVAL;
		}
		ops->flags = uops->flags;
		return 1;
	case offsetof(struct p2pmap_policy_ops, name):
		if (!name_ok(uops->name)) {
			refusal_warn("policy refused: name \"%.*s\" must be 1-%d characters of [A-Za-z0-9_.-]",
				     P2PMAP_POLICY_NAME_LEN, uops->name,
				     P2PMAP_POLICY_NAME_LEN - 1);
			return -EINVAL;
		}
		strscpy(ops->name, uops->name, sizeof(ops->name));
		return 1;
	}
	return 0;
}

static int policy_check_member(const struct btf_type *t, const struct btf_member *member,
			       const struct bpf_prog *prog)
{
	if (prog->sleepable) {
		refusal_warn("policy program %s refused: p2pmap policy ops must not be sleepable",
			     prog->aux->name);
		return -EINVAL;
	}
	return 0;
}

static int policy_validate(void *kdata)
{
	struct p2pmap_policy_ops *ops = kdata;

	if (!ops->decide) {
		refusal_warn("policy \"%s\" refused: it has no decide()", ops->name);
		return -EINVAL;
	}
	return 0;
}

static int policy_btf_init(struct btf *btf)
{
	return 0;
}

static const struct bpf_verifier_ops policy_verifier_ops = {
	.get_func_proto = bpf_base_func_proto,
	.is_valid_access = bpf_tracing_btf_ctx_access,
	/* No btf_struct_access: every pointer a policy is given is read-only. */
};

/* CFI stubs: the signatures of the ops, never called. */
static u32 p2pmap_policy_decide_stub(const struct p2pmap_policy_ctx *ctx)
{
	return 0;
}

static s32 p2pmap_policy_init_stub(void)
{
	return 0;
}

static void p2pmap_policy_exit_stub(const struct p2pmap_policy_exit_info *info)
{
}

static struct p2pmap_policy_ops policy_cfi_stubs = {
	.decide = p2pmap_policy_decide_stub,
	.init = p2pmap_policy_init_stub,
	.exit = p2pmap_policy_exit_stub,
};

static struct bpf_struct_ops p2pmap_policy_struct_ops = {
	.verifier_ops = &policy_verifier_ops,
	.init = policy_btf_init,
	.check_member = policy_check_member,
	.init_member = policy_init_member,
	.reg = policy_reg,
	.unreg = policy_unreg,
	.update = policy_update,
	.validate = policy_validate,
	.cfi_stubs = &policy_cfi_stubs,
	.name = "p2pmap_policy_ops",
	.owner = THIS_MODULE,
};

/**
 * p2pmap_policy_show_name() - the active policy's name, or "none"
 * @buf: a sysfs buffer
 *
 * Return: bytes written.
 */
ssize_t p2pmap_policy_show_name(char *buf)
{
	struct p2pmap_policy *p;
	ssize_t n;

	rcu_read_lock();
	p = rcu_dereference(active);
	n = sysfs_emit(buf, "%s\n", p ? p->ops->name : "none");
	rcu_read_unlock();
	return n;
}

/**
 * p2pmap_policy_show_state() - "attached: ...", "detached: ...", "auto-detached: ...", "none"
 * @buf: a sysfs buffer
 *
 * Return: bytes written.
 */
ssize_t p2pmap_policy_show_state(char *buf)
{
	struct p2pmap_policy *p;
	ssize_t n;

	/* Under state_lock @active cannot change, and the message belongs to it. */
	spin_lock_irq(&state_lock);
	p = rcu_dereference_protected(active, lockdep_is_held(&state_lock));
	if (p)
		n = sysfs_emit(buf,
			       "attached: policy \"%s\", %lld decisions, %lld errors (max_policy_errors=%u)\n",
			       p->ops->name, atomic64_read(&p->decisions),
			       atomic64_read(&p->errors), READ_ONCE(max_policy_errors));
	else
		n = sysfs_emit(buf, "%s\n", last_msg[0] ? last_msg : "none");
	spin_unlock_irq(&state_lock);
	return n;
}

/**
 * p2pmap_policy_show_last_error() - why the latest policy was refused, or "none"
 * @buf: a sysfs buffer
 *
 * A refusal by init_member, check_member or validate, a failing init(), or another policy in
 * the way. Cleared when a policy attaches, and by p2pmap_policy_clear_last_error().
 *
 * Return: bytes written.
 */
ssize_t p2pmap_policy_show_last_error(char *buf)
{
	ssize_t n;

	spin_lock_irq(&state_lock);
	n = sysfs_emit(buf, "%s\n", last_error[0] ? last_error : "none");
	spin_unlock_irq(&state_lock);
	return n;
}

/**
 * p2pmap_policy_clear_last_error() - forget the latest refusal (a loader does, before it loads)
 */
void p2pmap_policy_clear_last_error(void)
{
	spin_lock_irq(&state_lock);
	last_error[0] = '\0';
	spin_unlock_irq(&state_lock);
}

int p2pmap_policy_init(void)
{
	int ret;

	eject_wq = alloc_ordered_workqueue("p2pmap_policy", 0);
	if (!eject_wq)
		return -ENOMEM;
	/* Last: from here on a policy can attach. */
	ret = register_bpf_struct_ops(&p2pmap_policy_struct_ops, p2pmap_policy_ops);
	if (ret) {
		pr_err("cannot register struct p2pmap_policy_ops with BPF: %d\n", ret);
		destroy_workqueue(eject_wq);
	}
	return ret;
}

void p2pmap_policy_exit(void)
{
	/* Every struct_ops map holds a module reference: no policy can be attached here. */
	WARN_ON_ONCE(rcu_access_pointer(active));
	destroy_workqueue(eject_wq);
}
