/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * A host's transport and queues, as a boot loader with its own virtio
 * stack would give them to the adapter (host_queue.c): rings of another
 * shape than the core's (a shared free list, chains traced by the address
 * of their first buffer, as U-Boot's are), and queues that can lie about
 * what the device wrote.
 */
#ifndef TEST_HOST_QUEUE_H
#define TEST_HOST_QUEUE_H

#include "vscsi/virtio_scsi.h"

/** What a lying host queue says instead of the truth. */
enum host_lie {
	HOST_TRUTH,
	HOST_LIE_SLOT,		/**< names the next slot, not the one done */
	HOST_LIE_RANGE,		/**< names a slot beyond the queue */
	HOST_LIE_LEN,		/**< a length beyond the whole chain */
	HOST_LIE_TWICE,		/**< hands the same element out twice */
};

/** One host queue: a split ring with a free list. */
struct host_queue {
	struct vs_queue q;
	struct vp_dev *vp;
	uint16_t num;
	void *mem;
	uint64_t mem_dev;
	void *mem_token;
	size_t mem_size;
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint16_t free_head, num_free, avail_idx, kicked, last_used;
	uint32_t notify_off;
	uint64_t cookie[VQ_MAX_SLOTS];	/**< first buffer of each chain */
	enum host_lie lie;
	unsigned lies;		/**< lies told */
	bool twice;		/**< HOST_LIE_TWICE: the repeat is due */
	uint16_t again_slot;	/**< ... of this slot */
	uint32_t again_len;	/**< ... and this length */
};

/** A host's transport: its own device set-up and three host queues. */
struct host_transport {
	struct vs_transport t;
	struct vp_dev vp;
	struct host_queue hq[VSCSI_QUEUES];
};

int host_open(struct host_transport *ht, struct vs_platform *plat);
void host_close(struct host_transport *ht);

#endif /* TEST_HOST_QUEUE_H */
