/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tracepoints of p2pmap (system "p2pmap"): every decision, every map and unmap, every bounce
 * copy and every policy change. Devices are PCI addresses split into a domain and a
 * bus << 8 | devfn word, so bpftrace and perf can key maps on them; a client that is not a
 * PCI device has domain 0xffffffff.
 *
 *	bpftrace -e 'tracepoint:p2pmap:p2pmap_decision { @[args->reason] = count(); }'
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM p2pmap

#if !defined(_P2PMAP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _P2PMAP_TRACE_H

#include <linux/pci.h>
#include <linux/tracepoint.h>

#include "../include/uapi/p2pmap.h"
#include "../include/uapi/p2pmap_names.h"

#define P2PMAP_NO_DOMAIN	0xffffffffU

/*
 * The names come from include/uapi/p2pmap_names.h, as the EM()/EMe() lists of
 * include/trace/events/: TRACE_DEFINE_ENUM() for each value (so the format file shows
 * numbers), and the __print_symbolic() tables.
 */
#undef P2PMAP_EM
#define P2PMAP_EM(a, ...)	TRACE_DEFINE_ENUM(a);

P2PMAP_VERDICT_NAMES(P2PMAP_EM, P2PMAP_EM)
P2PMAP_KV_NAMES(P2PMAP_EM, P2PMAP_EM)
P2PMAP_DIR_NAMES(P2PMAP_EM, P2PMAP_EM)
P2PMAP_REASON_NAMES(P2PMAP_EM, P2PMAP_EM)
P2PMAP_POLICY_EVENT_NAMES(P2PMAP_EM, P2PMAP_EM)
P2PMAP_PROBE_RESULT_NAMES(P2PMAP_EM, P2PMAP_EM)

#undef P2PMAP_EM
#define P2PMAP_EM(a, b)		{ a, b },
#define P2PMAP_EM_LAST(a, b)	{ a, b }
#define P2PMAP_SYMBOLS(list)	list(P2PMAP_EM, P2PMAP_EM_LAST)

#define show_verdict(v)		__print_symbolic(v, P2PMAP_SYMBOLS(P2PMAP_VERDICT_NAMES))
#define show_kv(v)		__print_symbolic(v, P2PMAP_SYMBOLS(P2PMAP_KV_NAMES))
#define show_dir(v)		__print_symbolic(v, P2PMAP_SYMBOLS(P2PMAP_DIR_NAMES))
#define show_reason(v)		__print_symbolic(v, P2PMAP_SYMBOLS(P2PMAP_REASON_NAMES))
#define show_policy_event(v)	__print_symbolic(v, P2PMAP_SYMBOLS(P2PMAP_POLICY_EVENT_NAMES))
#define show_probe_result(v)	__print_symbolic(v, P2PMAP_SYMBOLS(P2PMAP_PROBE_RESULT_NAMES))

#define P2PMAP_TP_ADDR "%04x:%02x:%02x.%u"

#ifndef _P2PMAP_TRACE_HELPERS
#define _P2PMAP_TRACE_HELPERS	/* once, although this header is read several times */
static inline u32 p2pmap_tp_domain(struct device *dev)
{
	return dev_is_pci(dev) ? pci_domain_nr(to_pci_dev(dev)->bus) : P2PMAP_NO_DOMAIN;
}

static inline u16 p2pmap_tp_bdf(struct device *dev)
{
	return dev_is_pci(dev) ? pci_dev_id(to_pci_dev(dev)) : 0;
}
#endif

/**
 * p2pmap_decision - the decision for one (mapping, provider), or an EXPLAIN dry run
 * @provider: the provider
 * @client: the client
 * @len: bytes of the provider's memory in the mapping
 * @dir: enum p2pmap_dir
 * @kernel_verdict: enum p2pmap_kernel_verdict
 * @distance: pci_p2pdma_distance(), -1 when refused
 * @policy: who decided: the policy's name, or "builtin"
 * @verdict: the final enum p2pmap_verdict
 * @reason: enum p2pmap_reason
 * @shadow: the shadow policy's name, "" when none was asked
 * @shadow_verdict: what it chose (enum p2pmap_verdict, after the safety rules), 0 for none;
 *	it never changes @verdict
 * @explain: 1 for a dry run
 */
TRACE_EVENT(p2pmap_decision,
	TP_PROTO(struct pci_dev *provider, struct pci_dev *client, u64 len, u32 dir,
		 u32 kernel_verdict, int distance, const char *policy, u32 verdict, u32 reason,
		 const char *shadow, u32 shadow_verdict, bool explain),
	TP_ARGS(provider, client, len, dir, kernel_verdict, distance, policy, verdict, reason,
		shadow, shadow_verdict, explain),
	TP_STRUCT__entry(
		__field(u32, provider_domain)
		__field(u16, provider_bdf)
		__field(u16, client_bdf)
		__field(u32, client_domain)
		__field(u32, dir)
		__field(u64, len)
		__field(u32, kernel_verdict)
		__field(s32, distance)
		__field(u32, verdict)
		__field(u32, reason)
		__field(u32, explain)
		__field(u32, shadow_verdict)
		__array(char, policy, P2PMAP_POLICY_NAME_LEN)
		__array(char, shadow, P2PMAP_POLICY_NAME_LEN)
	),
	TP_fast_assign(
		__entry->provider_domain = pci_domain_nr(provider->bus);
		__entry->provider_bdf = pci_dev_id(provider);
		__entry->client_domain = pci_domain_nr(client->bus);
		__entry->client_bdf = pci_dev_id(client);
		__entry->dir = dir;
		__entry->len = len;
		__entry->kernel_verdict = kernel_verdict;
		__entry->distance = distance;
		__entry->verdict = verdict;
		__entry->reason = reason;
		__entry->explain = explain;
		__entry->shadow_verdict = shadow_verdict;
		strscpy_pad(__entry->policy, policy, P2PMAP_POLICY_NAME_LEN);
		strscpy_pad(__entry->shadow, shadow, P2PMAP_POLICY_NAME_LEN);
	),
	TP_printk("provider=" P2PMAP_TP_ADDR " client=" P2PMAP_TP_ADDR
		  " len=%llu dir=%s kernel=%s distance=%d policy=%s verdict=%s reason=%s%s%s%s%s%s",
		  __entry->provider_domain, __entry->provider_bdf >> 8,
		  PCI_SLOT(__entry->provider_bdf), PCI_FUNC(__entry->provider_bdf),
		  __entry->client_domain, __entry->client_bdf >> 8,
		  PCI_SLOT(__entry->client_bdf), PCI_FUNC(__entry->client_bdf),
		  __entry->len, show_dir(__entry->dir), show_kv(__entry->kernel_verdict),
		  __entry->distance, __entry->policy, show_verdict(__entry->verdict),
		  show_reason(__entry->reason),
		  __entry->shadow_verdict ? " shadow=" : "",
		  __entry->shadow_verdict ? __entry->shadow : "",
		  __entry->shadow_verdict ? ":" : "",
		  __entry->shadow_verdict ? show_verdict(__entry->shadow_verdict) : "",
		  __entry->explain ? " explain" : "")
);

/**
 * p2pmap_map - a mapping was made, or failed
 * @client: the client
 * @len: bytes of the buffer
 * @dir: enum p2pmap_dir
 * @nr_segments: segments (0 on failure)
 * @bytes_ram: bytes of RAM mapped as is
 * @bytes_p2p: bytes of P2P memory mapped directly
 * @bytes_bounce: bytes of P2P memory bounced
 * @ns: time the whole map took
 * @ret: 0, or the negative errno it failed with
 */
TRACE_EVENT(p2pmap_map,
	TP_PROTO(struct device *client, u64 len, u32 dir, u32 nr_segments, u64 bytes_ram,
		 u64 bytes_p2p, u64 bytes_bounce, u64 ns, int ret),
	TP_ARGS(client, len, dir, nr_segments, bytes_ram, bytes_p2p, bytes_bounce, ns, ret),
	TP_STRUCT__entry(
		__field(u32, client_domain)
		__field(u16, client_bdf)
		__field(u32, dir)
		__field(u32, nr_segments)
		__field(s32, ret)
		__field(u64, len)
		__field(u64, bytes_ram)
		__field(u64, bytes_p2p)
		__field(u64, bytes_bounce)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->client_domain = p2pmap_tp_domain(client);
		__entry->client_bdf = p2pmap_tp_bdf(client);
		__entry->dir = dir;
		__entry->nr_segments = nr_segments;
		__entry->ret = ret;
		__entry->len = len;
		__entry->bytes_ram = bytes_ram;
		__entry->bytes_p2p = bytes_p2p;
		__entry->bytes_bounce = bytes_bounce;
		__entry->ns = ns;
	),
	TP_printk("client=" P2PMAP_TP_ADDR
		  " len=%llu dir=%s segments=%u ram=%llu p2p=%llu bounce=%llu ns=%llu ret=%d",
		  __entry->client_domain, __entry->client_bdf >> 8,
		  PCI_SLOT(__entry->client_bdf), PCI_FUNC(__entry->client_bdf),
		  __entry->len, show_dir(__entry->dir), __entry->nr_segments, __entry->bytes_ram,
		  __entry->bytes_p2p, __entry->bytes_bounce, __entry->ns, __entry->ret)
);

/**
 * p2pmap_unmap - a mapping was unmapped (bounced data copied back, pages unpinned)
 * @client: the client
 * @len: bytes of the buffer
 * @bytes_bounce: bytes that were bounced
 * @ns: time the unmap took
 */
TRACE_EVENT(p2pmap_unmap,
	TP_PROTO(struct device *client, u64 len, u64 bytes_bounce, u64 ns),
	TP_ARGS(client, len, bytes_bounce, ns),
	TP_STRUCT__entry(
		__field(u32, client_domain)
		__field(u16, client_bdf)
		__field(u64, len)
		__field(u64, bytes_bounce)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->client_domain = p2pmap_tp_domain(client);
		__entry->client_bdf = p2pmap_tp_bdf(client);
		__entry->len = len;
		__entry->bytes_bounce = bytes_bounce;
		__entry->ns = ns;
	),
	TP_printk("client=" P2PMAP_TP_ADDR " len=%llu bounce=%llu ns=%llu",
		  __entry->client_domain, __entry->client_bdf >> 8,
		  PCI_SLOT(__entry->client_bdf), PCI_FUNC(__entry->client_bdf),
		  __entry->len, __entry->bytes_bounce, __entry->ns)
);

/**
 * p2pmap_bounce_copy - the CPU copied bounced data
 * @client: the client of the mapping
 * @bytes: bytes copied
 * @to_bounce: 1: P2P memory -> bounce pages (map, sync for device); 0: back (sync for CPU,
 *	unmap)
 */
TRACE_EVENT(p2pmap_bounce_copy,
	TP_PROTO(struct device *client, u64 bytes, bool to_bounce),
	TP_ARGS(client, bytes, to_bounce),
	TP_STRUCT__entry(
		__field(u32, client_domain)
		__field(u16, client_bdf)
		__field(u32, to_bounce)
		__field(u64, bytes)
	),
	TP_fast_assign(
		__entry->client_domain = p2pmap_tp_domain(client);
		__entry->client_bdf = p2pmap_tp_bdf(client);
		__entry->to_bounce = to_bounce;
		__entry->bytes = bytes;
	),
	TP_printk("client=" P2PMAP_TP_ADDR " bytes=%llu %s",
		  __entry->client_domain, __entry->client_bdf >> 8,
		  PCI_SLOT(__entry->client_bdf), PCI_FUNC(__entry->client_bdf),
		  __entry->bytes, __entry->to_bounce ? "p2p->bounce" : "bounce->p2p")
);

/**
 * p2pmap_segments - SEGMENTS described a mapping's segments
 * @client: the client of the mapping
 * @nr: segments described
 * @steps: DMA segments stepped over to find their addresses: at most the mapping's DMA
 *	segments, however many segments are described (the work is linear)
 */
TRACE_EVENT(p2pmap_segments,
	TP_PROTO(struct device *client, u32 nr, u32 steps),
	TP_ARGS(client, nr, steps),
	TP_STRUCT__entry(
		__field(u32, client_domain)
		__field(u16, client_bdf)
		__field(u32, nr)
		__field(u32, steps)
	),
	TP_fast_assign(
		__entry->client_domain = p2pmap_tp_domain(client);
		__entry->client_bdf = p2pmap_tp_bdf(client);
		__entry->nr = nr;
		__entry->steps = steps;
	),
	TP_printk("client=" P2PMAP_TP_ADDR " segments=%u steps=%u",
		  __entry->client_domain, __entry->client_bdf >> 8,
		  PCI_SLOT(__entry->client_bdf), PCI_FUNC(__entry->client_bdf),
		  __entry->nr, __entry->steps)
);

/**
 * p2pmap_policy - a policy was attached, replaced, detached or auto-detached
 * @event: enum p2pmap_policy_event
 * @name: the policy
 * @old: the policy it replaced (replace), else ""
 * @decisions: decisions the policy (old one for replace) made while attached
 * @errors: policy errors it made
 */
TRACE_EVENT(p2pmap_policy,
	TP_PROTO(u32 event, const char *name, const char *old, u64 decisions, u64 errors),
	TP_ARGS(event, name, old, decisions, errors),
	TP_STRUCT__entry(
		__field(u32, event)
		__field(u64, decisions)
		__field(u64, errors)
		__array(char, name, P2PMAP_POLICY_NAME_LEN)
		__array(char, old, P2PMAP_POLICY_NAME_LEN)
	),
	TP_fast_assign(
		__entry->event = event;
		__entry->decisions = decisions;
		__entry->errors = errors;
		strscpy_pad(__entry->name, name, P2PMAP_POLICY_NAME_LEN);
		strscpy_pad(__entry->old, old, P2PMAP_POLICY_NAME_LEN);
	),
	TP_printk("%s name=%s old=%s decisions=%llu errors=%llu",
		  show_policy_event(__entry->event), __entry->name, __entry->old,
		  __entry->decisions, __entry->errors)
);

/**
 * p2pmap_probe - a data-integrity probe of a pair ended (P2PMAP_IOC_VERIFY)
 * @provider: the provider
 * @client: the client, whose DMA engine moved the data
 * @v: the probe's report: result, transfers, bytes, duration and the failing transfer
 */
TRACE_EVENT(p2pmap_probe,
	TP_PROTO(struct pci_dev *provider, struct device *client, const struct p2pmap_verify *v),
	TP_ARGS(provider, client, v),
	TP_STRUCT__entry(
		__field(u32, provider_domain)
		__field(u16, provider_bdf)
		__field(u16, client_bdf)
		__field(u32, client_domain)
		__field(u32, result)
		__field(u32, nr_cases)
		__field(u64, bytes)
		__field(u64, duration_ns)
		__field(u32, fail_dir)
		__field(u32, fail_offset)
		__field(u32, fail_len)
	),
	TP_fast_assign(
		bool failed = v->nr_cases && v->result != P2PMAP_PROBE_PASS;
		u32 n = failed ? v->nr_cases - 1 : 0;
		const struct p2pmap_probe_case *last = &v->cases[n];

		__entry->provider_domain = pci_domain_nr(provider->bus);
		__entry->provider_bdf = pci_dev_id(provider);
		__entry->client_domain = p2pmap_tp_domain(client);
		__entry->client_bdf = p2pmap_tp_bdf(client);
		__entry->result = v->result;
		__entry->nr_cases = v->nr_cases;
		__entry->bytes = v->bytes;
		__entry->duration_ns = v->duration_ns;
		__entry->fail_dir = failed ? last->dir : 0;
		__entry->fail_offset = failed ? last->offset : 0;
		__entry->fail_len = failed ? last->len : 0;
	),
	TP_printk("provider=" P2PMAP_TP_ADDR " client=" P2PMAP_TP_ADDR
		  " result=%s transfers=%u bytes=%llu ns=%llu fail_dir=%u fail_offset=%u fail_len=%u",
		  __entry->provider_domain, __entry->provider_bdf >> 8,
		  PCI_SLOT(__entry->provider_bdf), PCI_FUNC(__entry->provider_bdf),
		  __entry->client_domain, __entry->client_bdf >> 8,
		  PCI_SLOT(__entry->client_bdf), PCI_FUNC(__entry->client_bdf),
		  show_probe_result(__entry->result), __entry->nr_cases, __entry->bytes,
		  __entry->duration_ns, __entry->fail_dir, __entry->fail_offset,
		  __entry->fail_len)
);

#undef P2PMAP_EM
#undef P2PMAP_EM_LAST

#endif /* _P2PMAP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
