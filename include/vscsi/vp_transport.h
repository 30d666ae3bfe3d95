/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The core's own transport: virtio over PCI (virtio_pci.c) with the
 * core's split rings (virtqueue.c), behind the seam of transport.h.  The
 * UEFI driver and bare/ use it; a host with its own virtio transport
 * implements struct vs_transport instead (docs/porting.md).
 */
#ifndef VSCSI_VP_TRANSPORT_H
#define VSCSI_VP_TRANSPORT_H

#include "vscsi/transport.h"
#include "vscsi/virtqueue.h"

/** A virtio PCI device with its queues. */
struct vp_transport {
	struct vs_transport t;
	struct vp_dev vp;
	struct virtqueue vq[VS_MAX_QUEUES];
	uint8_t status_found;	/**< device status before our first reset
				 * (not 0: an earlier stage drove it) */
};

int vp_transport_open(struct vp_transport *vt, struct vs_platform *plat,
		      uint64_t want, const struct vs_queue_want *queues,
		      unsigned nqueues);
void vp_transport_close(struct vp_transport *vt);

#endif /* VSCSI_VP_TRANSPORT_H */
