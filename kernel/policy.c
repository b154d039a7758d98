// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF policies: struct p2pmap_policy_ops as a BPF struct_ops type. At most one active policy
 * and one shadow, each published through an RCU pointer that decisions read and that attach,
 * replace, detach, promote and an eject swap under policy_mutex. Attaching needs
 * CAP_SYS_ADMIN. Each slot keeps an exit record; this file owns the policy's sysfs files.
 * docs/internals.md explains the order of a replace and how a promote works.
 */
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/capability.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
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

struct policy_slot;

/**
 * struct p2pmap_policy - an attached policy
 * @ops: the BPF struct_ops data (lives as long as its map is registered)
 * @tag: this instance's tag in the pairs' verdict caches (vcache.h), unique and never 0
 * @caches: its answers are cached: it is pure, or it said for which lengths an answer holds
 * @link: the link that attached it (NULL for a map registered without a link)
 * @slot: the slot it is in (changes only on a promote, when nothing can reach it)
 * @errors: policy errors since it was attached
 * @decisions: decisions since it was attached, per CPU (policy_decisions() adds them up):
 *	every decision counts one, so a shared counter would be every mapping's shared line
 * @ejecting: set once, by the decision that reached max_policy_errors
 * @eject_work: calls ->exit() and frees this after an eject
 */
struct p2pmap_policy {
	struct p2pmap_policy_ops *ops;
	u64 tag;
	bool caches;
	struct bpf_link *link;
	struct policy_slot *slot;
	atomic64_t errors;
	u64 __percpu *decisions;
	atomic_t ejecting;
	struct work_struct eject_work;
};

/**
 * struct policy_exit - why a slot's latest policy left it (sched_ext's scx_exit_info)
 * @kind: enum p2pmap_policy_exit_kind; NONE once a policy attaches to an empty slot
 * @name: the policy's name
 * @decisions: the decisions it made
 * @errors: the errors it made
 * @max_errors: max_policy_errors when it left
 *
 * Recorded under state_lock when the policy leaves, formatted only when sysfs shows it.
 */
struct policy_exit {
	u32 kind;
	char name[P2PMAP_POLICY_NAME_LEN];
	u64 decisions;
	u64 errors;
	u32 max_errors;
};

/**
 * struct policy_slot - where a policy decides from: the active slot, or the shadow
 * @cur: the policy, published for the decisions (RCU)
 * @exit: why its latest policy left it (under state_lock)
 * @what: "policy" or "shadow policy", in messages
 * @shadow: this is the shadow slot
 */
struct policy_slot {
	struct p2pmap_policy __rcu *cur;
	struct policy_exit exit;
	const char *what;
	bool shadow;
};

static struct policy_slot active = { .what = "policy" };
static struct policy_slot shadow = { .what = "shadow policy", .shadow = true };
static DEFINE_MUTEX(policy_mutex);		/* reg, unreg, update */
static struct workqueue_struct *eject_wq;
/* Tags of policy instances for the verdict cache (vcache.h): one per policy_new(), never 0. */
static atomic64_t policy_tags = ATOMIC64_INIT(0);
/* The generation of what policies read: p2pmap_policy_data_changed() starts a new one. */
static atomic64_t policy_gen = ATOMIC64_INIT(0);
/*
 * The ->decide() call in progress on this CPU, for p2pmap_verdict_holds() (kfunc.c), under
 * its local lock: preemption off, or on PREEMPT_RT a per-CPU lock that leaves the policy
 * preemptible, so that another task on the CPU cannot change it meanwhile.
 */
DEFINE_PER_CPU(struct p2pmap_policy_call_cur, p2pmap_policy_call_cur) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

/* This module's BTF, where struct p2pmap_policy_ops is, for p2pmap_policy_prog_decides(). */
static const struct btf *policy_btf;
/* On while a slot may hold a policy: without one, decisions skip the policy path (decide.c). */
DEFINE_STATIC_KEY_FALSE(p2pmap_policy_key);

/*
 * Under policy_mutex: the key goes off when both slots are empty. After an eject it stays on
 * until the next reg, update or unreg (the slot is empty: the policy path returns at once).
 */
static void policy_key_sync(void)
{
	if (!rcu_access_pointer(active.cur) && !rcu_access_pointer(shadow.cur))
		static_branch_disable(&p2pmap_policy_key);
}

/* state_lock covers every change of a slot, so its state never disagrees with its policy. */
static DEFINE_SPINLOCK(state_lock);

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

/**
 * p2pmap_policy_pair_init() - what a policy sees of a new pair that never changes
 * @pair: the pair, with its devices and facts
 *
 * Fills @pair->seen once, so that a decision copies the devices and the path instead of
 * reading them from the PCI devices again. Only a device's NUMA node can change (root may
 * write it in sysfs, for a firmware that got it wrong): fill_ctx() reads it each time.
 */
void p2pmap_policy_pair_init(struct p2pmap_pair *pair)
{
	struct p2pmap_policy_ctx *ctx = &pair->seen;
	const struct p2pmap_facts *f = &pair->facts;

	memset(ctx, 0, sizeof(*ctx));
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
}

static void fill_ctx(struct p2pmap_policy_ctx *ctx, struct p2pmap_pair *pair,
		     const struct p2pmap_request *req, u32 builtin, u32 builtin_reason,
		     bool dry_run)
{
	*ctx = pair->seen;
	ctx->provider.numa_node = dev_to_node(&pair->provider->dev);
	ctx->client.numa_node = dev_to_node(&pair->client->dev);
	ctx->req = (struct p2pmap_policy_request){
		.len = req->len,
		.total_len = req->total_len,
		.nr_pages = req->nr_pages,
		.dir = req->dir,
	};
	p2pmap_pair_stats_recent(&pair->stats, &ctx->stats);
	ctx->builtin_verdict = builtin;
	ctx->builtin_reason = builtin_reason;
	ctx->explain = dry_run;
	ctx->override = req->override;
}

/* A policy's decisions: every CPU's count added up. */
static u64 policy_decisions(struct p2pmap_policy *p)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(p->decisions, cpu));
	return sum;
}

static void policy_free(struct p2pmap_policy *p)
{
	free_percpu(p->decisions);
	kfree(p);
}

/* The event of @slot: the shadow's events are the active ones' shadow twins. */
static u32 slot_event(const struct policy_slot *slot, u32 event)
{
	if (!slot->shadow)
		return event;
	switch (event) {
	case P2PMAP_POLICY_EV_ATTACH:
		return P2PMAP_POLICY_EV_SHADOW_ATTACH;
	case P2PMAP_POLICY_EV_REPLACE:
		return P2PMAP_POLICY_EV_SHADOW_REPLACE;
	case P2PMAP_POLICY_EV_DETACH:
		return P2PMAP_POLICY_EV_SHADOW_DETACH;
	default:
		return P2PMAP_POLICY_EV_SHADOW_AUTO_DETACH;
	}
}

/*
 * Replace @old by @new (either may be NULL) in @slot if @old is still there; @old leaves for
 * @kind (enum p2pmap_policy_exit_kind), recorded in the slot's exit record. A policy that
 * attaches to an empty slot clears the record. Only one of unreg, update, promote and an
 * eject wins for a given @old.
 */
static bool policy_swap(struct policy_slot *slot, struct p2pmap_policy *old,
			struct p2pmap_policy *new, u32 kind)
{
	struct policy_exit *e = &slot->exit;
	unsigned long flags;
	bool won;

	spin_lock_irqsave(&state_lock, flags);
	won = unrcu_pointer(cmpxchg(&slot->cur, RCU_INITIALIZER(old), RCU_INITIALIZER(new))) == old;
	if (won && new)
		last_error[0] = '\0';
	if (won && old) {
		e->kind = kind;
		strscpy(e->name, old->ops->name, sizeof(e->name));
		e->decisions = policy_decisions(old);
		e->errors = atomic64_read(&old->errors);
		e->max_errors = READ_ONCE(max_policy_errors);
	} else if (won) {
		e->kind = P2PMAP_POLICY_EXIT_NONE;
	}
	spin_unlock_irqrestore(&state_lock, flags);
	return won;
}

static void policy_eject(struct p2pmap_policy *p, u64 errors)
{
	struct policy_slot *slot = p->slot;

	if (atomic_xchg(&p->ejecting, 1))
		return;
	/* Lost against unreg, update or promote: they take care of it. */
	if (!policy_swap(slot, p, NULL, P2PMAP_POLICY_EXIT_ERRORS))
		return;
	if (slot->shadow)
		pr_warn("shadow policy \"%s\" detached after %llu errors; the active policy is not affected\n",
			p->ops->name, errors);
	else
		pr_warn("policy \"%s\" detached after %llu errors; built-in rule in use\n",
			p->ops->name, errors);
	trace_p2pmap_policy(slot_event(slot, P2PMAP_POLICY_EV_AUTO_DETACH), p->ops->name, "",
			    policy_decisions(p), errors);
	queue_work(eject_wq, &p->eject_work);
}

/*
 * The pair's own error count is kept by p2pmap_stats_account(), from the reason. A shadow's
 * errors are its own: they count in no global counter of the active policy.
 */
static void policy_error(struct p2pmap_policy *p, bool dry_run)
{
	u64 n;

	if (dry_run)
		return;
	if (!p->slot->shadow)
		atomic64_inc(&p2pmap_policy_errors);
	n = atomic64_inc_return(&p->errors);
	if (n >= READ_ONCE(max_policy_errors))
		policy_eject(p, n);
}

/*
 * Ask @p, with the safety rules: the verdict it gets; @reason is the reason for it. With
 * @hold (the active policy's real decisions, whose answers may be cached), what it says
 * with p2pmap_verdict_holds() is recorded in @call.
 */
static u32 policy_ask(struct p2pmap_policy *p, struct p2pmap_policy_call *call,
		      bool refused, u32 builtin, u32 *reason, bool dry_run, bool hold)
{
	struct p2pmap_policy_call *prev;
	u32 v;

	call->range = (struct p2pmap_verdict_range){};
	if (hold) {
		/*
		 * The kfunc finds the call through this CPU's pointer, and only if the context
		 * it is given is this call's: a program that passes a copy gets nothing
		 * written. Saved and restored, in case a decision ever runs in an interrupt
		 * of another.
		 */
		local_lock(&p2pmap_policy_call_cur.lock);
		prev = this_cpu_read(p2pmap_policy_call_cur.call);
		this_cpu_write(p2pmap_policy_call_cur.call, call);
		v = p->ops->decide(&call->ctx);
		this_cpu_write(p2pmap_policy_call_cur.call, prev);
		local_unlock(&p2pmap_policy_call_cur.lock);
	} else {
		v = p->ops->decide(&call->ctx);
	}

	if (!dry_run)
		this_cpu_inc(*p->decisions);
	switch (v) {
	case P2PMAP_VERDICT_P2P:
		if (refused) {
			*reason = P2PMAP_REASON_POLICY_DEMOTED;
			policy_error(p, dry_run);
			return P2PMAP_VERDICT_BOUNCE;
		}
		fallthrough;
	case P2PMAP_VERDICT_BOUNCE:
	case P2PMAP_VERDICT_REJECT:
		*reason = P2PMAP_REASON_POLICY;
		return v;
	default:
		*reason = P2PMAP_REASON_POLICY_ERROR;	/* and the built-in verdict */
		policy_error(p, dry_run);
		return builtin;
	}
}

/*
 * Ask @p (active, may be NULL) and @s (shadow, may be NULL, and is when @sh is NULL), as
 * p2pmap_policy_decide() says; @hold is what @p said of its answer. Both are asked with
 * one context, filled once.
 */
static __always_inline const char *ask_policies(struct p2pmap_policy *p,
						struct p2pmap_policy *s,
						struct p2pmap_pair *pair,
						const struct p2pmap_request *req,
						u32 *verdict, u32 *reason,
						struct p2pmap_shadow_choice *sh,
						const char **sh_name, bool dry_run,
						struct p2pmap_verdict_range *hold)
{
	/* The safety rule: P2P where the kernel allows it, or a verified override is in force. */
	bool refused = pair->facts.kernel_verdict == P2PMAP_KV_NOT_SUPPORTED && !req->override;
	u32 builtin = *verdict, builtin_reason = *reason;
	/* Written whole by fill_ctx() and policy_ask() before it is read: not cleared first. */
	struct p2pmap_policy_call call __uninitialized;
	const char *by = NULL;
	bool filled = false;

	if (p && !(refused && (p->ops->flags & P2PMAP_POLICY_SUPPORTED_ONLY))) {
		fill_ctx(&call.ctx, pair, req, builtin, builtin_reason, dry_run);
		filled = true;
		*verdict = policy_ask(p, &call, refused, builtin, reason, dry_run, !dry_run);
		by = p->ops->name;
		*hold = call.range;
	}
	if (!s)
		return by;

	*sh_name = s->ops->name;
	sh->verdict = builtin;
	sh->reason = builtin_reason;
	if (refused && (s->ops->flags & P2PMAP_POLICY_SUPPORTED_ONLY))
		return by;
	if (!filled)
		fill_ctx(&call.ctx, pair, req, builtin, builtin_reason, dry_run);
	sh->verdict = policy_ask(s, &call, refused, builtin, &sh->reason, dry_run, false);
	return by;
}

/*
 * p2pmap_policy_decide() for @p (the active policy, or NULL) past its fast path: everything
 * that is not a cached answer with no shadow to ask (the cache is looked up again, for a
 * decision with a shadow).
 */
static __always_inline const char *policy_decide(struct p2pmap_policy *p,
						 struct p2pmap_pair *pair,
						 const struct p2pmap_request *req,
						 u32 *verdict, u32 *reason,
						 struct p2pmap_shadow_choice *sh,
						 const char **sh_name, bool dry_run)
{
	struct p2pmap_policy *s = sh ? rcu_dereference(shadow.cur) : NULL;
	bool unreachable = *reason == P2PMAP_REASON_DMA_UNREACHABLE;
	struct p2pmap_verdict_range hold = {};
	unsigned int key;
	u64 gen, lo, hi;
	u32 cached;
	const char *by;
	bool cacheable;

	if (!p && !s)
		return NULL;
	cacheable = p && !dry_run && !WARN_ON_ONCE(req->dir - 1 >= 3);
	if (cacheable) {
		/*
		 * Read before the policy reads its maps: an answer to data older than a
		 * p2pmap_policy_changed() is kept under the older generation, which then
		 * never hits.
		 */
		gen = atomic64_read_acquire(&policy_gen);
		/* A policy whose answers are cached: its earlier one for this input, if any. */
		if (READ_ONCE(p->caches)) {
			key = p2pmap_vcache_key(unreachable, req->override, req->dir, req->len);
			cached = p2pmap_vcache_get(&pair->vcache, key, p->tag, gen, req->len);
			if (cached) {
				this_cpu_inc(*p->decisions);
				/* The shadow is still asked, told the built-in verdict as ever. */
				if (s)
					ask_policies(NULL, s, pair, req, verdict, reason, sh,
						     sh_name, dry_run, &hold);
				*verdict = cached;
				*reason = P2PMAP_REASON_POLICY;
				return p->ops->name;
			}
		}
	}
	by = ask_policies(p, s, pair, req, verdict, reason, sh, sh_name, dry_run, &hold);
	/* Errors are not kept: each one counts, and enough of them eject the policy. */
	if (!cacheable || !by || *reason != P2PMAP_REASON_POLICY)
		return by;
	if (!hold.holds && !(p->ops->flags & P2PMAP_POLICY_PURE))
		return by;
	p2pmap_size_bucket_range(req->len, &lo, &hi);
	if (hold.holds) {
		lo = max(lo, hold.min_len);
		hi = min(hi, hold.max_len);
		if (!READ_ONCE(p->caches))
			WRITE_ONCE(p->caches, true);
	}
	/* A change made meanwhile: this answer may be to the old data, and would never hit. */
	if (atomic64_read(&policy_gen) != gen)
		return by;
	key = p2pmap_vcache_key(unreachable, req->override, req->dir, req->len);
	p2pmap_vcache_put(&pair->vcache, key, p->tag, gen, *verdict, lo, hi);
	return by;
}

/**
 * p2pmap_policy_decide() - ask the active policy, if any, then the shadow, with the safety rules
 * @pair: the pair
 * @req: the request
 * @verdict: (in) the built-in verdict; (out) the final verdict
 * @reason: (in) the built-in reason; (out) the final reason
 * @sh: NULL, or (out) what the shadow policy would have decided: verdict 0 when there is
 *	none. It never changes @verdict.
 * @sh_name: (out, with @sh) the shadow's name, valid until rcu_read_unlock(); NULL for none
 * @dry_run: an EXPLAIN query: count nothing
 *
 * Called under rcu_read_lock(). The active policy is not asked when there is none, nor for
 * pairs the kernel refuses when it has %P2PMAP_POLICY_SUPPORTED_ONLY; the same holds for the
 * shadow, which then gets the built-in verdict. Both see the same context, filled once. An
 * active policy that is %P2PMAP_POLICY_PURE, or that said for which lengths its answer
 * holds (p2pmap_verdict_holds()), is asked once per pair and input (vcache.h); later
 * decisions reuse its answer and count as its decisions (the shadow is asked every time).
 * Only called while p2pmap_policy_key is on; @sh (with *@sh_name NULL) is cleared by the
 * caller.
 *
 * Return: the name of the active policy if it was asked (valid until rcu_read_unlock()), or
 * NULL.
 */
const char *p2pmap_policy_decide(struct p2pmap_pair *pair, const struct p2pmap_request *req,
				 u32 *verdict, u32 *reason, struct p2pmap_shadow_choice *sh,
				 const char **sh_name, bool dry_run)
{
	struct p2pmap_policy *p = rcu_dereference(active.cur);
	unsigned int key;
	u32 cached;

	/*
	 * The common case first: the active policy's cached answer, with no shadow to ask.
	 * Everything else, the cache's misses included, is policy_decide()'s, inlined: as a
	 * call of its own it cost every miss more (36 instructions) than it saved a hit (9),
	 * and with no fast path in front a hit costs 12 more. A miss here looks again there.
	 */
	if (p && !dry_run && READ_ONCE(p->caches) && !(sh && rcu_access_pointer(shadow.cur)) &&
	    likely(req->dir - 1 < 3)) {
		key = p2pmap_vcache_key(*reason == P2PMAP_REASON_DMA_UNREACHABLE, req->override,
					req->dir, req->len);
		cached = p2pmap_vcache_get(&pair->vcache, key, p->tag,
					   atomic64_read_acquire(&policy_gen), req->len);
		if (cached) {
			this_cpu_inc(*p->decisions);
			*verdict = cached;
			*reason = P2PMAP_REASON_POLICY;
			return p->ops->name;
		}
	}
	return policy_decide(p, pair, req, verdict, reason, sh, sh_name, dry_run);
}

/**
 * p2pmap_policy_data_changed() - what policies read has changed: forget their cached answers
 *
 * Starts a new generation, so that no answer cached in an older one is used again
 * (vcache.h), whichever policy instance gave it, attached now or attaching meanwhile. The
 * caller has made its change before: the increment is fully ordered, and a decision reads
 * the generation (acquire) before it asks the policy.
 */
void p2pmap_policy_data_changed(void)
{
	atomic64_inc_return(&policy_gen);
}

/**
 * p2pmap_policy_prog_decides() - whether a BPF program is a policy's ->decide()
 * @prog: a struct_ops program being verified
 *
 * Return: true if @prog implements p2pmap_policy_ops.decide.
 */
bool p2pmap_policy_prog_decides(const struct bpf_prog *prog)
{
	/* Its only struct_ops type is p2pmap_policy_ops; the verifier named the member. */
	return policy_btf && prog->aux->attach_btf == policy_btf &&
	       prog->aux->attach_func_name && !strcmp(prog->aux->attach_func_name, "decide");
}

/* ->exit(), once the last ->decide() through @p has returned. */
static void policy_exit(struct p2pmap_policy *p, enum p2pmap_policy_exit_kind kind)
{
	struct p2pmap_policy_exit_info info = { .kind = kind };

	/* After the grace period: no decision through @p is left to count. */
	synchronize_rcu();
	info.errors = atomic64_read(&p->errors);
	info.decisions = policy_decisions(p);
	if (p->ops->exit)
		p->ops->exit(&info);
	if (kind == P2PMAP_POLICY_EXIT_UNREG)
		trace_p2pmap_policy(slot_event(p->slot, P2PMAP_POLICY_EV_DETACH), p->ops->name, "",
				    info.decisions, info.errors);
	pr_info("%s \"%s\" detached (%s): %llu decisions, %llu errors\n", p->slot->what,
		p->ops->name, kind == P2PMAP_POLICY_EXIT_ERRORS ? "too many errors" :
		kind == P2PMAP_POLICY_EXIT_REPLACED ? "replaced" : "unregistered",
		info.decisions, info.errors);
}

static void policy_eject_workfn(struct work_struct *work)
{
	struct p2pmap_policy *p = container_of(work, struct p2pmap_policy, eject_work);

	policy_exit(p, P2PMAP_POLICY_EXIT_ERRORS);
	policy_free(p);
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

/* Allocate the wrapper of @ops for @slot and run its ->init(). */
static struct p2pmap_policy *policy_new(struct policy_slot *slot, struct p2pmap_policy_ops *ops,
					struct bpf_link *link)
{
	struct p2pmap_policy *p;
	int ret;

	p = kzalloc_obj(*p, GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->tag = atomic64_inc_return(&policy_tags);
	p->caches = ops->flags & P2PMAP_POLICY_PURE;
	p->decisions = alloc_percpu(u64);
	if (!p->decisions) {
		kfree(p);
		return ERR_PTR(-ENOMEM);
	}
	p->ops = ops;
	p->link = link;
	p->slot = slot;
	INIT_WORK(&p->eject_work, policy_eject_workfn);
	if (ops->init) {
		ret = ops->init();
		if (ret) {
			refusal_warn("%s \"%s\": init() returned %d, not attached", slot->what,
				     ops->name, ret);
			policy_free(p);
			return ERR_PTR(ret < 0 && ret >= -MAX_ERRNO ? ret : -EINVAL);
		}
	}
	return p;
}

/* The slot's policy if it came through @link with @kdata (a link names its own). */
static struct p2pmap_policy *slot_get(struct policy_slot *slot, void *kdata,
				      struct bpf_link *link)
{
	struct p2pmap_policy *p;

	p = rcu_dereference_protected(slot->cur, lockdep_is_held(&policy_mutex));
	return p && p->ops == kdata && p->link == link ? p : NULL;
}

static void policy_unreg(void *kdata, struct bpf_link *link)
{
	struct policy_slot *slots[] = { &active, &shadow };
	struct p2pmap_policy *cur;
	int i;

	mutex_lock(&policy_mutex);
	for (i = 0; i < ARRAY_SIZE(slots); i++) {
		/*
		 * Not in the slot: ejected (->exit() already called), promoted away from this
		 * link (the shadow's link after a promote), or never attached.
		 */
		cur = slot_get(slots[i], kdata, link);
		if (!cur)
			continue;
		/* If an eject won, its work calls ->exit(): policy_flush_ejects() waits for it. */
		if (policy_swap(slots[i], cur, NULL, P2PMAP_POLICY_EXIT_UNREG)) {
			policy_exit(cur, P2PMAP_POLICY_EXIT_UNREG);
			policy_free(cur);
		}
		break;
	}
	policy_key_sync();
	mutex_unlock(&policy_mutex);
	policy_flush_ejects();
}

/*
 * Under policy_mutex: make @ops @slot's policy, in place of @cur (the policy of the link being
 * updated: its init() first, @cur's exit() after the swap), or where there is none (register,
 * or update of a link whose policy was auto-detached). Another link's policy makes it -EBUSY.
 */
static int policy_activate(struct policy_slot *slot, struct p2pmap_policy_ops *ops,
			   struct bpf_link *link, struct p2pmap_policy *cur)
{
	struct p2pmap_policy *p, *other;

	other = rcu_dereference_protected(slot->cur, lockdep_is_held(&policy_mutex));
	if (other && other != cur) {
		refusal_warn("%s \"%s\" not attached: \"%s\" is attached (replace it through its link's update, or remove it first)",
			     slot->what, ops->name, other->ops->name);
		return -EBUSY;
	}
	p = policy_new(slot, ops, link);
	if (IS_ERR(p))
		return PTR_ERR(p);
	/* One store: every decision sees either @cur or @p. */
	if (cur && policy_swap(slot, cur, p, P2PMAP_POLICY_EXIT_REPLACED)) {
		pr_info("%s \"%s\" replaces \"%s\"\n", slot->what, ops->name, cur->ops->name);
		trace_p2pmap_policy(slot_event(slot, P2PMAP_POLICY_EV_REPLACE), ops->name,
				    cur->ops->name, policy_decisions(cur),
				    atomic64_read(&cur->errors));
		policy_exit(cur, P2PMAP_POLICY_EXIT_REPLACED);
		policy_free(cur);
	} else {
		/* None, or @cur was auto-detached meanwhile (its work calls ->exit()). */
		policy_swap(slot, NULL, p, P2PMAP_POLICY_EXIT_NONE);
		pr_info("%s \"%s\" attached\n", slot->what, ops->name);
		trace_p2pmap_policy(slot_event(slot, P2PMAP_POLICY_EV_ATTACH), ops->name, "", 0, 0);
	}
	return 0;
}

/*
 * Under policy_mutex: promote the shadow policy @s to the active slot through @link, in place
 * of @cur (the link's active policy, or NULL when the active slot is empty).
 *
 * 1. @s leaves the shadow slot (unless its eject won: then nothing happens): from here on it
 *    is asked as a shadow by no new decision; the active policy keeps deciding.
 * 2. A grace period: no shadow decide() of @s, nor an eject it started, is still running.
 * 3. Its counters start again, for its life as the active policy (its init() already ran).
 * 4. One store makes it the active policy; @cur's exit() after a grace period, as a replace.
 *
 * No mapping sees no policy, and the shadow slot is empty after it.
 */
static int policy_promote(struct p2pmap_policy *s, struct bpf_link *link,
			  struct p2pmap_policy *cur)
{
	u64 decisions = policy_decisions(s);
	int cpu;

	if (!policy_swap(&shadow, s, NULL, P2PMAP_POLICY_EXIT_PROMOTED)) {
		refusal_warn("shadow policy \"%s\" not promoted: it was auto-detached",
			     s->ops->name);
		return -ENOENT;
	}
	synchronize_rcu();
	atomic_set(&s->ejecting, 0);
	atomic64_set(&s->errors, 0);
	for_each_possible_cpu(cpu)
		WRITE_ONCE(*per_cpu_ptr(s->decisions, cpu), 0);
	s->link = link;
	s->slot = &active;
	trace_p2pmap_policy(P2PMAP_POLICY_EV_PROMOTE, s->ops->name, cur ? cur->ops->name : "",
			    decisions, 0);
	if (cur && policy_swap(&active, cur, s, P2PMAP_POLICY_EXIT_REPLACED)) {
		pr_info("shadow policy \"%s\" promoted after %llu shadow decisions: replaces \"%s\"\n",
			s->ops->name, decisions, cur->ops->name);
		policy_exit(cur, P2PMAP_POLICY_EXIT_REPLACED);
		policy_free(cur);
	} else {
		policy_swap(&active, NULL, s, P2PMAP_POLICY_EXIT_NONE);
		pr_info("shadow policy \"%s\" promoted after %llu shadow decisions\n",
			s->ops->name, decisions);
	}
	return 0;
}

/* Under policy_mutex: the shadow policy whose map is @kdata, through any link. */
static struct p2pmap_policy *shadow_of(void *kdata)
{
	struct p2pmap_policy *s;

	s = rcu_dereference_protected(shadow.cur, lockdep_is_held(&policy_mutex));
	return s && s->ops == kdata ? s : NULL;
}

/* Attaching, replacing and promoting are the host administrator's (see the top). */
static int may_attach(const struct p2pmap_policy_ops *ops)
{
	if (capable(CAP_SYS_ADMIN))
		return 0;
	refusal_warn("policy \"%s\" not attached: attaching a policy needs CAP_SYS_ADMIN",
		     ops->name);
	return -EPERM;
}

/*
 * A new link: the slot its flags choose. A shadow-flagged map that already is the shadow
 * policy (through its own link) registered again promotes it into an empty active slot.
 */
static int policy_reg(void *kdata, struct bpf_link *link)
{
	struct p2pmap_policy_ops *ops = kdata;
	struct p2pmap_policy *a, *s;
	int ret;

	ret = may_attach(ops);
	if (ret)
		return ret;
	mutex_lock(&policy_mutex);
	static_branch_enable(&p2pmap_policy_key);	/* before a policy can be seen */
	a = rcu_dereference_protected(active.cur, lockdep_is_held(&policy_mutex));
	s = shadow_of(kdata);
	if (s && !a) {
		ret = policy_promote(s, link, NULL);
	} else if (s || (a && a->ops == kdata)) {
		refusal_warn("policy \"%s\" not attached: it is already the %s", ops->name,
			     s ? "shadow policy (promote it through the active link's update)" :
			     "active policy");
		ret = -EBUSY;
	} else {
		ret = policy_activate(ops->flags & P2PMAP_POLICY_SHADOW ? &shadow : &active, ops,
				      link, NULL);
	}
	policy_key_sync();
	mutex_unlock(&policy_mutex);
	policy_flush_ejects();
	return ret;
}

/* A shadow-flagged map enters the active slot only as the attached shadow, by a promote. */
static int shadow_only(struct p2pmap_policy_ops *ops)
{
	refusal_warn("policy \"%s\" not attached: it is flagged P2PMAP_POLICY_SHADOW but is not the attached shadow policy (auto-detached?); load it as the shadow, or without the flag",
		     ops->name);
	return -EINVAL;
}

/*
 * The link's update: the slot of the link's policy. The active link updated with the shadow
 * policy's own map promotes it; with another shadow-flagged map it is refused. A link whose
 * policy is gone (auto-detached, or promoted away) attaches to the slot its new map's flags
 * choose, if that slot is empty.
 */
static int policy_update(void *kdata, void *old_kdata, struct bpf_link *link)
{
	struct p2pmap_policy_ops *ops = kdata;
	struct p2pmap_policy *a, *s, *sh;
	int ret;

	ret = may_attach(ops);
	if (ret)
		return ret;
	mutex_lock(&policy_mutex);
	static_branch_enable(&p2pmap_policy_key);
	a = slot_get(&active, old_kdata, link);
	s = slot_get(&shadow, old_kdata, link);
	sh = shadow_of(kdata);
	if (s)
		ret = policy_activate(&shadow, ops, link, s);
	else if (sh && !sh->link)
		ret = -EINVAL;		/* not through a link: cannot be in two places */
	else if (sh && (a || !rcu_access_pointer(active.cur)))
		ret = policy_promote(sh, link, a);
	else if (a && (ops->flags & P2PMAP_POLICY_SHADOW))
		ret = shadow_only(ops);
	else if (a)
		ret = policy_activate(&active, ops, link, a);
	else
		ret = policy_activate(ops->flags & P2PMAP_POLICY_SHADOW ? &shadow : &active, ops,
				      link, NULL);
	policy_key_sync();
	mutex_unlock(&policy_mutex);
	policy_flush_ejects();
	return ret;
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
	policy_btf = btf;
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

#define NAME_AT(sym, name)[sym] = name,
static const char *const exit_names[] = { P2PMAP_POLICY_EXIT_NAMES(NAME_AT, NAME_AT) };

/*
 * /sys/kernel/p2pmap/: the policy's files, this file's own group. For each slot: its
 * policy's name, its state in words, and the kind of its latest exit (a name of
 * P2PMAP_POLICY_EXIT_NAMES, which the state's words start with); and the latest refusal.
 */
static struct policy_slot *slot_of(struct kobj_attribute *attr);

static ssize_t name_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct p2pmap_policy *p;
	ssize_t n;

	rcu_read_lock();
	p = rcu_dereference(slot_of(attr)->cur);
	n = sysfs_emit(buf, "%s\n", p ? p->ops->name : "none");
	rcu_read_unlock();
	return n;
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct policy_slot *slot = slot_of(attr);
	const struct policy_exit *e = &slot->exit;
	struct p2pmap_policy *p;
	ssize_t n;

	/* Under state_lock the slot cannot change, and its exit record belongs to it. */
	spin_lock_irq(&state_lock);
	p = rcu_dereference_protected(slot->cur, lockdep_is_held(&state_lock));
	if (p)
		n = sysfs_emit(buf,
			       "attached: %s \"%s\", %lld decisions, %lld errors (max_policy_errors=%u)\n",
			       slot->what, p->ops->name, policy_decisions(p),
			       atomic64_read(&p->errors), READ_ONCE(max_policy_errors));
	else if (e->kind == P2PMAP_POLICY_EXIT_ERRORS)
		n = sysfs_emit(buf, "%s: %s \"%s\" made %llu errors (max_policy_errors=%u)\n",
			       exit_names[e->kind], slot->what, e->name, e->errors, e->max_errors);
	else if (e->kind == P2PMAP_POLICY_EXIT_PROMOTED)
		n = sysfs_emit(buf,
			       "%s: shadow policy \"%s\" became the active policy (%llu shadow decisions, %llu errors)\n",
			       exit_names[e->kind], e->name, e->decisions, e->errors);
	else if (e->kind)
		n = sysfs_emit(buf, "%s: %s \"%s\" after %llu decisions, %llu errors\n",
			       exit_names[P2PMAP_POLICY_EXIT_UNREG], slot->what, e->name,
			       e->decisions, e->errors);
	else
		n = sysfs_emit(buf, "none\n");
	spin_unlock_irq(&state_lock);
	return n;
}

static ssize_t exit_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct policy_slot *slot = slot_of(attr);
	u32 kind;

	spin_lock_irq(&state_lock);
	kind = rcu_access_pointer(slot->cur) ? P2PMAP_POLICY_EXIT_NONE : slot->exit.kind;
	spin_unlock_irq(&state_lock);
	return sysfs_emit(buf, "%s\n", exit_names[kind]);
}

/* Why the latest policy was refused, or "none"; a loader clears it by writing anything. */
static ssize_t last_error_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	ssize_t n;

	spin_lock_irq(&state_lock);
	n = sysfs_emit(buf, "%s\n", last_error[0] ? last_error : "none");
	spin_unlock_irq(&state_lock);
	return n;
}

static ssize_t last_error_store(struct kobject *kobj, struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	spin_lock_irq(&state_lock);
	last_error[0] = '\0';
	spin_unlock_irq(&state_lock);
	return count;
}

static struct kobj_attribute slot_attrs[][3] = {
	{ __ATTR(policy, 0444, name_show, NULL), __ATTR(policy_state, 0444, state_show, NULL),
	  __ATTR(policy_exit, 0444, exit_show, NULL) },
	{ __ATTR(shadow, 0444, name_show, NULL), __ATTR(shadow_state, 0444, state_show, NULL),
	  __ATTR(shadow_exit, 0444, exit_show, NULL) },
};

static struct kobj_attribute last_error_attr = __ATTR_RW(last_error);

static struct policy_slot *slot_of(struct kobj_attribute *attr)
{
	return attr >= slot_attrs[1] ? &shadow : &active;
}

static struct attribute *policy_attrs[] = {
	&slot_attrs[0][0].attr, &slot_attrs[0][1].attr, &slot_attrs[0][2].attr,
	&slot_attrs[1][0].attr, &slot_attrs[1][1].attr, &slot_attrs[1][2].attr,
	&last_error_attr.attr, NULL,
};

static const struct attribute_group policy_group = {
	.attrs = policy_attrs,
};

int p2pmap_policy_init(void)
{
	int ret;

	eject_wq = alloc_ordered_workqueue("p2pmap_policy", 0);
	if (!eject_wq)
		return -ENOMEM;
	ret = sysfs_create_group(p2pmap_kobj, &policy_group);
	if (ret)
		goto err_wq;
	/* Kfunc sets go with the module's BTF at unload: nothing to undo on an error. */
	ret = p2pmap_kfunc_init();
	if (ret) {
		pr_err("cannot register p2pmap's kfuncs with BPF: %d\n", ret);
		goto err_group;
	}
	/* Last: from here on a policy can attach. */
	ret = register_bpf_struct_ops(&p2pmap_policy_struct_ops, p2pmap_policy_ops);
	if (ret) {
		pr_err("cannot register struct p2pmap_policy_ops with BPF: %d\n", ret);
		goto err_group;
	}
	return 0;

err_group:
	sysfs_remove_group(p2pmap_kobj, &policy_group);
err_wq:
	destroy_workqueue(eject_wq);
	return ret;
}

void p2pmap_policy_exit(void)
{
	/* Every struct_ops map holds a module reference: no policy can be attached here. */
	WARN_ON_ONCE(rcu_access_pointer(active.cur) || rcu_access_pointer(shadow.cur));
	sysfs_remove_group(p2pmap_kobj, &policy_group);
	destroy_workqueue(eject_wq);
}
