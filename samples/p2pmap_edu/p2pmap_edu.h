/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * p2pmap_edu: the sample client driver for QEMU's edu device, /dev/p2pmap-edu<N>. Its one
 * ioctl follows p2pmap's conventions (argsz first, include/uapi/p2pmap.h) and takes a number
 * of p2pmap's ioctl type that p2pmap leaves to its sample.
 */
#ifndef _UAPI_P2PMAP_EDU_H
#define _UAPI_P2PMAP_EDU_H

#include <linux/types.h>
#include <linux/ioctl.h>

#include "../../include/uapi/p2pmap.h"

/**
 * struct p2pmap_edu_window - a part of the buffers that the edu engine really moves
 * @offset: byte offset into both buffers
 * @len: length in bytes
 */
struct p2pmap_edu_window {
	__u64 offset;
	__u64 len;
};

/**
 * struct p2pmap_edu_copy - P2PMAP_EDU_IOC_COPY: copy @src to @dst through the edu device
 * @argsz: sizeof(struct p2pmap_edu_copy)
 * @flags: P2PMAP_EDU_COPY_SRC_HANDLE, P2PMAP_EDU_COPY_DST_HANDLE, or 0
 * @src: user address read by the device (mapped DMA_TO_DEVICE); with
 *	P2PMAP_EDU_COPY_SRC_HANDLE, a handle of @p2pmap_fd (made DMA_TO_DEVICE or
 *	DMA_BIDIRECTIONAL for this device)
 * @dst: user address written by the device (mapped DMA_FROM_DEVICE); with
 *	P2PMAP_EDU_COPY_DST_HANDLE, a handle of @p2pmap_fd (DMA_FROM_DEVICE or BIDIRECTIONAL)
 * @len: length of both buffers (of both parts of the handles)
 * @windows: user pointer to struct p2pmap_edu_window[@nr_windows]; 0 = the whole buffer
 * @nr_windows: number of windows (at most 1024)
 * @reserved: must be zero
 * @src_bytes: (out) bytes of @src per path: [0] RAM, [1] P2P, [2] bounced
 * @dst_bytes: (out) the same for @dst
 * @dma_bytes: (out) bytes the edu engine moved (each byte counts once per direction)
 * @p2pmap_fd: an open /dev/p2pmap holding the handles (with a HANDLE flag)
 * @reserved2: must be zero
 * @src_off: with P2PMAP_EDU_COPY_SRC_HANDLE, where in its registration @src starts
 * @dst_off: with P2PMAP_EDU_COPY_DST_HANDLE, where in its registration @dst starts
 *
 * Both buffers are mapped with p2pmap_map_user() for the edu device; each window is moved in
 * chunks of at most 4 KiB (the edu buffer): src -> edu, then edu -> dst. The edu engine needs
 * 100 ms of virtual time per chunk, so move a sample of a large buffer, not all of it.
 * When the windows, in order, cover @dst from its start without a gap (or there are none),
 * @dst is mapped with P2PMAP_MAP_DEVICE_WRITES and unmapped with the bytes the engine wrote:
 * bounced P2P memory of @dst is not read at map time, and only what was written is copied
 * back. Other windows leave gaps, which keep their bytes (every bounced byte of @dst is then
 * copied in at map time).
 * A handle is a registration, mapped once by P2PMAP_IOC_MAP: each window is then a slice of
 * it (p2pmap_slice_get()), synced and put per window, and nothing is pinned or mapped per
 * copy. The statistics of a handle are those of its registration.
 * Errors: those of P2PMAP_IOC_MAP, plus ETIMEDOUT (the engine did not finish), EINVAL (a
 * window outside the buffers, a handle's part beyond its registration, or a handle of the
 * wrong direction), ENODEV (the edu went away, or @dst's bounced P2P memory belongs to a
 * provider being unbound or gone: the engine's bytes for it were lost), and for handles
 * EBADF, ENOENT, EXDEV (see p2pmap_reg_get()) and ENODEV (the registration was taken down
 * or revoked).
 */
struct p2pmap_edu_copy {
	__u32 argsz;
	__u32 flags;
	__u64 src;
	__u64 dst;
	__u64 len;
	__u64 windows;
	__u32 nr_windows;
	__u32 reserved;
	__u64 src_bytes[3];
	__u64 dst_bytes[3];
	__u64 dma_bytes;
	__s32 p2pmap_fd;
	__u32 reserved2;
	__u64 src_off;
	__u64 dst_off;
};

#define P2PMAP_EDU_COPY_SRC_HANDLE	0x1U	/* @src is a handle of @p2pmap_fd */
#define P2PMAP_EDU_COPY_DST_HANDLE	0x2U	/* @dst is a handle of @p2pmap_fd */

#define P2PMAP_EDU_IOC_COPY	_IO(P2PMAP_IOC_MAGIC, 0x40)

#endif /* _UAPI_P2PMAP_EDU_H */
