/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * p2pmap: extensible ioctl arguments, the convention of include/uapi/p2pmap.h.
 *
 * Every argument struct starts with its size (__u32 argsz) and only grows at its end. The
 * kernel copies in what both sides know, requires a newer caller's tail to be zero, and
 * copies out no more than the caller's size. /dev/p2pmap and its sample client drivers share
 * these helpers, so a driver that adds its own ioctls next to p2pmap's behaves the same way.
 */
#ifndef _P2PMAP_ARGS_H
#define _P2PMAP_ARGS_H

#include <linux/minmax.h>
#include <linux/uaccess.h>

#include "uapi/p2pmap.h"

/**
 * p2pmap_arg_in() - copy an extensible argument in
 * @karg: the kernel's copy
 * @ksize: sizeof(*@karg), the size of the newest version the kernel knows
 * @minsz: the size of the first version of the struct
 * @uarg: the user's argument, which starts with its size
 * @argsz: filled in with the user's size, for p2pmap_arg_out()
 *
 * Smaller than @minsz is -EINVAL; larger than @ksize with a non-zero tail is -E2BIG
 * (copy_struct_from_user()), and so is anything above P2PMAP_ARGSZ_MAX, whose tail is not
 * even read.
 *
 * Context: process context, may fault.
 * Return: 0, -EFAULT, -EINVAL or -E2BIG.
 */
static inline int p2pmap_arg_in(void *karg, size_t ksize, size_t minsz, void __user *uarg,
				u32 *argsz)
{
	if (get_user(*argsz, (u32 __user *)uarg))
		return -EFAULT;
	if (*argsz < minsz)
		return -EINVAL;
	if (*argsz > P2PMAP_ARGSZ_MAX)
		return -E2BIG;
	return copy_struct_from_user(karg, ksize, uarg, *argsz);
}

/**
 * p2pmap_arg_out() - copy an extensible argument back out
 * @uarg: the user's argument
 * @karg: the kernel's copy
 * @ksize: sizeof(*@karg)
 * @argsz: the user's size, from p2pmap_arg_in(): no more than that is written
 *
 * Context: process context, may fault.
 * Return: 0 or -EFAULT.
 */
static inline int p2pmap_arg_out(void __user *uarg, const void *karg, size_t ksize, u32 argsz)
{
	return copy_to_user(uarg, karg, min_t(size_t, ksize, argsz)) ? -EFAULT : 0;
}

#endif /* _P2PMAP_ARGS_H */
