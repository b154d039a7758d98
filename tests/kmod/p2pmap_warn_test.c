// SPDX-License-Identifier: GPL-2.0-only
/*
 * A module that WARNs on load, on purpose: the lab runner must fail any run whose guest log
 * holds a kernel report. tests/host/t_runner.sh loads it and expects the runner to fail.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init warn_test_init(void)
{
	WARN(1, "p2pmap_warn_test: deliberate warning\n");
	return 0;
}

static void __exit warn_test_exit(void)
{
}

module_init(warn_test_init);
module_exit(warn_test_exit);
MODULE_DESCRIPTION("Deliberately WARNing module for the lab runner's self-test");
MODULE_LICENSE("GPL");
