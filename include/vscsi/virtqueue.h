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

#include "vscsi/virtio_pci.h"

/** Most descriptors one slot may own. */
#define VQ_MAX_SLOT_DESCS 64
/** Most slots per queue. */
#define VQ_MAX_SLOTS 32
/** Descriptors a slot gets where the queue has room (scatter-gather). */
#define VQ_WANT_SLOT_DESCS 8

/** Slot value when a used entry cannot be traced to a slot. */
#define VQ_NO_SLOT 0xFFFF

/** One buffer of a chain, as the device sees it. */
struct vq_buf {
	uint64_t addr;
	uint32_t len;
	bool writable;		/**< device writes it */
};

/** Driver-private state of one slot. */
struct vq_slot {
	bool in_flight;
	uint32_t writable_len;	/**< sum of writable lengths of the chain */
	uint32_t total_len;	/**< sum of all lengths of the chain */
	uint16_t ndesc;		/**< descriptors of the chain */
	uint32_t table_sum;	/**< indirect: what its table held when sent */
};

/** A split virtqueue. */
struct virtqueue {
	struct vp_dev *vp;
	uint16_t index;		/**< queue index on the device */
	uint16_t size;		/**< ring entries */
	uint16_t slots;		/**< number of slots */
	uint16_t slot_descs;	/**< descriptors per slot (per table: indirect) */
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
	/* statistics */
	uint64_t notifications;
	uint64_t chains;
};

int vq_create(struct virtqueue *vq, struct vp_dev *vp, uint16_t index,
	      uint16_t max_size, uint16_t max_slots, uint16_t min_descs,
	      bool indirect);
int vq_start(struct virtqueue *vq);
void vq_rewind(struct virtqueue *vq);
void vq_destroy(struct virtqueue *vq);
int vq_add_chain(struct virtqueue *vq, uint16_t slot,
		 const struct vq_buf *bufs, unsigned nbufs);
void vq_kick(struct virtqueue *vq);
int vq_get_used(struct virtqueue *vq, uint16_t *slot, uint32_t *len);
bool vq_busy(struct virtqueue *vq, uint16_t slot);

#endif /* VSCSI_VIRTQUEUE_H */
