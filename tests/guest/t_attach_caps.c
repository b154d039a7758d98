// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attaching a policy is the host administrator's: the module itself refuses a struct_ops
 * registration, a link update (replace) and a promote from a task without CAP_SYS_ADMIN,
 * whatever the loader got past.
 *
 * The loader here needs neither the module's BTF nor CAP_SYS_ADMIN of its own: root opens and
 * loads the policies (libbpf resolves the module's BTF then), and a child that keeps only
 * CAP_BPF and CAP_PERFMON, as a BPF token or a loader handed the BTF ids would, makes the
 * calls that attach. Root's own calls then attach, so the test tells the refusal from a
 * broken loader.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib.h"
#include "bounce_all.skel.h"
#include "topology.skel.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON	38
#endif
#ifndef CAP_BPF
#define CAP_BPF		39
#endif

/* Keep only CAP_BPF and CAP_PERFMON, permitted and effective. */
static int keep_bpf_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	unsigned int c;

	for (c = 0; c < 2; c++) {
		unsigned int cap = c ? CAP_BPF : CAP_PERFMON;

		data[cap / 32].permitted |= 1U << (cap % 32);
		data[cap / 32].effective |= 1U << (cap % 32);
	}
	return syscall(SYS_capset, &hdr, data);
}

/*
 * Run @fn in a child with only CAP_BPF and CAP_PERFMON. Return what @fn returned: 0 for
 * success or an errno; 255 when the capabilities could not be dropped.
 */
static int as_bpf_only(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (!pid) {
		if (keep_bpf_caps())
			_exit(255);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 254;
	return WEXITSTATUS(status);
}

static int do_attach(void *arg)
{
	struct bpf_link *link = bpf_map__attach_struct_ops(arg);

	if (!link)
		return errno ?: EIO;
	bpf_link__destroy(link);
	return 0;
}

struct update {
	struct bpf_link *link;
	struct bpf_map *map;
};

static int do_update(void *arg)
{
	struct update *u = arg;
	int err = bpf_link__update_map(u->link, u->map);

	return err ? -err : 0;
}

int main(void)
{
	struct bounce_all_bpf *b;
	struct topology_bpf *t;
	struct bpf_link *link;
	struct update u;
	int ret;

	tap_plan(8);
	if (access("/sys/kernel/p2pmap/policy", F_OK))
		tap_bail("p2pmap is not loaded");
	b = bounce_all_bpf__open_and_load();
	t = topology_bpf__open_and_load();
	if (!b || !t)
		tap_bail("loading the policies as root failed");

	ret = as_bpf_only(do_attach, b->maps.bounce_all);
	tap_ok(ret == EPERM, "CAP_BPF+CAP_PERFMON only: registering a policy fails with EPERM (%d: %s)",
	       ret, strerror(ret));
	tap_ok(sysfs_is("policy", "none"), "no policy is attached after the refused registration");
	tap_ok(sysfs_is("last_error",
			"policy \"bounce_all\" not attached: attaching a policy needs CAP_SYS_ADMIN"),
	       "last_error says why");

	link = bpf_map__attach_struct_ops(b->maps.bounce_all);
	tap_ok(link && sysfs_is("policy", "bounce_all"), "root attaches the same loaded policy");
	if (!link)
		tap_bail("root could not attach: %s", strerror(errno));

	u.link = link;
	u.map = t->maps.topology;
	ret = as_bpf_only(do_update, &u);
	tap_ok(ret == EPERM, "CAP_BPF+CAP_PERFMON only: replacing it through root's link fails with EPERM (%d: %s)",
	       ret, strerror(ret));
	tap_ok(sysfs_is("policy", "bounce_all"), "the policy root attached still decides");

	ret = bpf_link__update_map(link, t->maps.topology);
	tap_ok(!ret && sysfs_is("policy", "topology"), "root replaces it through the same link (%d)", ret);

	bpf_link__destroy(link);
	tap_ok(sysfs_is("policy", "none"), "destroying the link detaches it");
	topology_bpf__destroy(t);
	bounce_all_bpf__destroy(b);
	return tap_done();
}
