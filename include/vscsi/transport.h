/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The seam under the adapter: a virtio transport and its queues, as the
 * virtio-scsi adapter uses them.
 *
 * Two kinds of transport sit below it.  The core's own (vp_transport.c:
 * virtio over PCI and the split rings of virtqueue.c), used by the UEFI
 * driver and bare/; and a host's, where a boot loader or unikernel
 * already drives the virtio device with its own transport and rings
 * (uboot/ is one; test/unit/host_queue.c a hostile one).
 *
 * A queue implementation only moves chains: it publishes one on a slot,
 * notifies, and hands back used elements as (slot, length) as the device
 * wrote them.  What the device wrote is believed nowhere below the seam:
 * vs_queue_take() checks every element against the chains the core has
 * in flight (virtio 1.2 §2.7.8), so a host's rings get the same checks as
 * the core's own.
 */
#ifndef VSCSI_TRANSPORT_H
#define VSCSI_TRANSPORT_H

#include "vscsi/platform.h"

/** Most slots (chains in flight) per queue. */
#define VQ_MAX_SLOTS 32
/** Most buffers one chain may have. */
#define VQ_MAX_SLOT_DESCS 64
/** Buffers a slot gets where the queue has room (scatter-gather). */
#define VQ_WANT_SLOT_DESCS 8
/** Slot value when a used element cannot be traced to a slot. */
#define VQ_NO_SLOT 0xFFFF
/** Queues a transport may carry (virtio-scsi: control, event, request). */
#define VS_MAX_QUEUES 3

/** One buffer of a chain, as the device sees it. */
struct vq_buf {
	uint64_t addr;
	uint32_t len;
	bool writable;		/**< device writes it */
};

/** What a queue must carry: how its user wants it cut (vs_queue_cut). */
struct vs_queue_want {
	uint16_t max_size;	/**< most entries (a power of two) */
	uint16_t max_slots;	/**< most chains in flight (1-VQ_MAX_SLOTS) */
	uint16_t min_descs;	/**< buffers its largest chain needs */
	bool indirect;		/**< may use indirect tables (§2.7.5.3): then
				 * only max_slots entries are asked for */
};

/** What the core knows of one slot's chain: kept above the seam. */
struct vs_queue_slot {
	bool in_flight;
	uint32_t writable_len;	/**< sum of writable lengths of the chain */
	uint32_t total_len;	/**< sum of all lengths of the chain */
};

struct vs_queue;

/** What a queue implementation provides. */
struct vs_queue_ops {
	/**
	 * Publish a chain on a slot that is not in flight, without notifying.
	 * @v q		queue
	 * @v slot	slot (below q->slots)
	 * @v bufs	buffers, device-readable ones first (§2.7.4.2)
	 * @v nbufs	1 to q->slot_descs
	 * @ret rc	VS_OK or VS_E_INVAL
	 */
	int (*add)(struct vs_queue *q, uint16_t slot, const struct vq_buf *bufs,
		   unsigned nbufs);
	/**
	 * Notify the device of the chains published since the last call.
	 * @v q		queue
	 * @ret sent	a notification went out (the device may suppress it)
	 */
	bool (*notify)(struct vs_queue *q);
	/**
	 * Take the next used element, as the device wrote it.
	 * @v q		queue
	 * @ret slot	the slot its id names, or VQ_NO_SLOT
	 * @ret len	its length, unchecked
	 * @ret rc	1 for an element, 0 for none, VS_E_DEVICE for a ring that
	 *		broke (slot set when the element still names one)
	 */
	int (*take)(struct vs_queue *q, uint16_t *slot, uint32_t *len);
};

/** A queue as the adapter sees it. */
struct vs_queue {
	const struct vs_queue_ops *ops;
	struct vs_platform *plat;
	uint16_t index;		/**< queue index on the device */
	uint16_t size;		/**< ring entries */
	uint16_t slots;		/**< chains it carries at once */
	uint16_t slot_descs;	/**< buffers one chain may have */
	struct vs_queue_slot slot[VQ_MAX_SLOTS];
	uint64_t notifications;
	uint64_t chains;
};

struct vs_transport;

/** What a transport provides besides its queues. */
struct vs_transport_ops {
	/** Read a device configuration field of 1, 2 or 4 bytes (§4.1.4.6). */
	int (*config_read)(struct vs_transport *t, uint32_t offset,
			   unsigned width, uint32_t *val);
	/** Write one (the adapter writes only cdb_size and sense_size). */
	int (*config_write)(struct vs_transport *t, uint32_t offset,
			    unsigned width, uint32_t val);
	/**
	 * Reset the device (§2.4): once this returns it touches no buffer
	 * (the core then forgets the chains it had in flight,
	 * vs_queue_rewind).
	 * @ret rc	VS_OK or VS_E_TIMEOUT
	 */
	int (*reset)(struct vs_transport *t);
	/**
	 * Set a device just reset up again (§3.1.1 steps 2-7): the same
	 * features, the same queues, empty and live; not DRIVER_OK.
	 * @ret rc	VS_OK or an error (logged)
	 */
	int (*restart)(struct vs_transport *t);
	/** Add bits to the device status (DRIVER_OK, FAILED; §2.1). */
	void (*add_status)(struct vs_transport *t, uint8_t bits);
	/** Read the device status. */
	uint8_t (*status)(struct vs_transport *t);
	/** Tell whether the device holds a queue live (a self-test). */
	bool (*queue_live)(struct vs_transport *t, uint16_t index);
};

/**
 * A virtio device with its features agreed (FEATURES_OK) and its queues
 * live, not yet DRIVER_OK: what the adapter attaches to.
 */
struct vs_transport {
	const struct vs_transport_ops *ops;
	struct vs_platform *plat;
	uint64_t features;	/**< negotiated */
	bool modern;		/**< VIRTIO_F_VERSION_1 in force */
	struct vs_queue *queue[VS_MAX_QUEUES];
	unsigned nqueues;
};

int vs_queue_cut(struct vs_queue *q, uint16_t size, bool indirect,
		 uint16_t max_slots, uint16_t min_descs);
int vs_queue_add(struct vs_queue *q, uint16_t slot, const struct vq_buf *bufs,
		 unsigned nbufs);
void vs_queue_kick(struct vs_queue *q);
int vs_queue_take(struct vs_queue *q, uint16_t *slot, uint32_t *len);
unsigned vs_queue_in_flight(const struct vs_queue *q);
bool vs_queue_busy(const struct vs_queue *q, uint16_t slot);
void vs_queue_rewind(struct vs_queue *q);

#endif /* VSCSI_TRANSPORT_H */
