/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The U-Boot platform of the core: what its files share.
 *
 * platform.c	the core's platform interface over U-Boot's services
 * transport.c	the queue seam over U-Boot's virtio transport and rings
 * blk.c	one U-Boot block device per unit of the inventory
 * driver.c	the virtio device driver (device ID 8, UCLASS_SCSI)
 *
 * This header includes no U-Boot virtio header: the core's spec headers
 * name the same virtio constants (transport.c includes U-Boot's alone).
 */
#ifndef VSCSI_UBOOT_H
#define VSCSI_UBOOT_H

#include "vscsi/transport.h"

struct udevice;
struct virtqueue;

/** A U-Boot platform: the core's services and the device's name. */
struct ub_platform {
	struct vs_platform plat;
	struct udevice *dev;
};

/** One of U-Boot's virtqueues under the seam. */
struct ub_queue {
	struct vs_queue q;
	struct virtqueue *vq;
	uint64_t cookie[VQ_MAX_SLOTS];	/**< a chain's first buffer: what
					 * U-Boot hands back for it */
};

/** U-Boot's virtio device and its queues, behind the seam. */
struct ub_transport {
	struct vs_transport t;
	struct udevice *vdev;
	const struct vs_queue_want *wants;
	struct ub_queue uq[VS_MAX_QUEUES];
};

void ub_platform_init(struct ub_platform *up, struct udevice *dev);
void ub_platform_log_level(struct ub_platform *up);
int ub_errno(int rc);
void ub_transport_bind(struct udevice *vdev, uint64_t features);
void ub_transport_close(struct ub_transport *ut);
int ub_transport_open(struct ub_transport *ut, struct udevice *vdev,
		      struct vs_platform *plat, const struct vs_queue_want *wants,
		      unsigned nqueues);

#endif /* VSCSI_UBOOT_H */
