/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The core's platform interface over U-Boot's services: memory from its
 * heap, its microsecond timer, its console.
 *
 * U-Boot's virtio rings hand the device CPU addresses (virtio_ring.c puts
 * a buffer's address in its descriptor as it is), so the device address
 * of a buffer is its CPU address here too, and a mapping holds nothing
 * to undo.  The PCI and BAR calls are left out: they serve only the
 * core's own transport, and here U-Boot's transport owns the device.
 */
#include <common.h>
#include <dm/device.h>
#include <env.h>
#include <malloc.h>
#include <time.h>
#include <linux/delay.h>
#include "vscsi_uboot.h"

/** Page size of the memory shared with the device (§2.7: ring alignment). */
#define UB_DMA_ALIGN 4096

/* The platform's operations (platform.h says what each must do). */

/** Zeroed, page-aligned memory from U-Boot's heap. */
static int ub_dma_alloc(struct vs_platform *p, size_t size, void **cpu,
			uint64_t *dev, void **token)
{
	void *mem = memalign(UB_DMA_ALIGN, size);

	(void)p;
	if (!mem)
		return VS_E_NOMEM;
	memset(mem, 0, size);
	*cpu = mem;
	*dev = (uintptr_t)mem;
	*token = mem;
	return VS_OK;
}

static void ub_dma_free(struct vs_platform *p, size_t size, void *cpu,
			void *token)
{
	(void)p;
	(void)size;
	(void)cpu;
	free(token);
}

/** A buffer's device address is its CPU address; the whole length maps. */
static int ub_dma_map(struct vs_platform *p, enum vs_dma_dir dir, void *buf,
		      size_t *len, uint64_t *dev, void **token)
{
	(void)p;
	(void)dir;
	(void)len;
	*dev = (uintptr_t)buf;
	*token = buf;
	return VS_OK;
}

static void ub_dma_unmap(struct vs_platform *p, void *token)
{
	(void)p;
	(void)token;	/* an identity mapping holds nothing */
}

static void ub_barrier(struct vs_platform *p, enum vs_barrier kind)
{
	vs_arch_barrier(p, kind);
}

static void ub_delay_us(struct vs_platform *p, unsigned us)
{
	(void)p;
	udelay(us);
}

static uint64_t ub_now_us(struct vs_platform *p)
{
	(void)p;
	return timer_get_us();
}

static void ub_log(struct vs_platform *p, const char *line)
{
	(void)p;
	printf("%s\n", line);
}

static const struct vs_platform_ops ub_platform_ops = {
	.dma_alloc = ub_dma_alloc,
	.dma_free = ub_dma_free,
	.dma_map = ub_dma_map,
	.dma_unmap = ub_dma_unmap,
	.barrier = ub_barrier,
	.delay_us = ub_delay_us,
	.now_us = ub_now_us,
	.log = ub_log,
};

/**
 * Take how much to say from the environment variable vscsi_log (err,
 * info, debug; errors only when unset): at probe and at each scan.
 * @v up	platform
 */
void ub_platform_log_level(struct ub_platform *up)
{
	const char *level = env_get("vscsi_log");

	up->plat.log_level = VS_LOG_ERR;
	if (level && !strcmp(level, "info"))
		up->plat.log_level = VS_LOG_INFO;
	else if (level && !strcmp(level, "debug"))
		up->plat.log_level = VS_LOG_DEBUG;
}

/**
 * Set up the platform of one controller: log lines carry the device's
 * name.
 * @v up	platform to fill
 * @v dev	the controller's U-Boot device
 */
void ub_platform_init(struct ub_platform *up, struct udevice *dev)
{
	memset(up, 0, sizeof(*up));
	up->plat.ops = &ub_platform_ops;
	up->dev = dev;
	ub_platform_log_level(up);
	vs_snprintf(up->plat.name, sizeof(up->plat.name), "%s", dev->name);
}

/**
 * A core status as a U-Boot error number.
 * @v rc	VS_* status
 * @ret err	0 or a negative errno
 */
int ub_errno(int rc)
{
	switch (rc) {
	case VS_OK: return 0;
	case VS_E_INVAL: return -EINVAL;
	case VS_E_NODEV: case VS_E_NOTARGET: return -ENODEV;
	case VS_E_TIMEOUT: return -ETIMEDOUT;
	case VS_E_NOMEM: return -ENOMEM;
	case VS_E_UNSUPPORTED: case VS_E_REFUSED: return -ENOTSUPP;
	case VS_E_BADSIZE: return -E2BIG;
	case VS_E_BUSY: return -EBUSY;
	case VS_E_NOMEDIA: return -ENOMEDIUM;
	case VS_E_PROTECTED: return -EROFS;
	default: return -EIO;
	}
}
