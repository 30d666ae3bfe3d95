/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Split virtqueue (virtio 1.2 §2.7) with a fixed descriptor pool.
 *
 * Each request slot owns its descriptors for the life of the queue, so
 * nothing is allocated on the I/O path: without indirect descriptors a
 * slot is an equal share of the ring's descriptor table; with them
 * (§2.7.5.3) a slot is one ring entry pointing to a table of its own in
 * the queue's DMA memory, so a queue carries as many requests as it has
 * entries.  Which slots are in flight, and how many bytes each chain
 * lets the device write, is kept in driver-private memory and never read
 * back from the shared ring.
 */
#ifndef VSCSI_VIRTQUEUE_H
#define VSCSI_VIRTQUEUE_H

#include "vscsi/transport.h"
#include "vscsi/virtio_pci.h"

/** What the rings keep of one slot's chain, beside the core's record. */
struct vq_slot {
	uint16_t ndesc;		/**< descriptors of the chain */
	uint32_t table_sum;	/**< indirect: what its table held when sent */
};

/**
 * A split virtqueue: the core's own implementation of struct vs_queue
 * (its slots, slot_descs and in-flight record are in q).
 */
struct virtqueue {
	struct vs_queue q;
	struct vp_dev *vp;
	bool indirect;		/**< slots are indirect tables (§2.7.5.3) */
	uint32_t notify_off;
	/* shared memory */
	void *mem;
	size_t mem_size;
	void *mem_token;
	uint64_t mem_dev;
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	volatile struct virtq_desc *tables;	/**< indirect: slot_descs a slot */
	uint64_t tables_dev;	/**< their device address */
	/* driver-private */
	uint16_t avail_idx;	/**< next avail index we publish */
	uint16_t last_used;	/**< next used index we consume */
	uint16_t published;	/**< avail_idx at the last notification */
	struct vq_slot slot[VQ_MAX_SLOTS];
};

int vq_create(struct virtqueue *vq, struct vp_dev *vp, uint16_t index,
	      uint16_t max_size, uint16_t max_slots, uint16_t min_descs,
	      bool indirect);
int vq_start(struct virtqueue *vq);
void vq_rewind(struct virtqueue *vq);
void vq_destroy(struct virtqueue *vq);

#endif /* VSCSI_VIRTQUEUE_H */
