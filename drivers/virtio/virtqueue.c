/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Split virtqueue with a fixed descriptor pool (virtio 1.2 §2.7).
 *
 * Slot k owns descriptors [k * slot_descs, (k + 1) * slot_descs) for the
 * life of the queue; its head descriptor is the first of them, which is
 * how a used-ring id is traced back to a slot.  The device's used ring is
 * the only thing read back: here an id is traced to a slot and the ring
 * itself checked (an index that jumps, an id that is no head, a table
 * the device wrote into); whether the slot is in flight and the length
 * fits its chain is checked above the seam (vs_queue.c), as for any
 * host's rings.
 */
#include "spec/virtio.h"
#include "vscsi/virtqueue.h"

/** §2.7.2 legacy layout: the used ring starts on this alignment. */
#define VQ_USED_ALIGN VIRTIO_PCI_LEGACY_QUEUE_ALIGN

static const struct vs_queue_ops vq_ops;

static size_t vq_align(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/** Bytes for descriptors plus available ring (with used_event). */
static size_t vq_driver_area(uint16_t size)
{
	return 16u * size + 6 + 2u * size;
}

/** Bytes for the used ring (with avail_event). */
static size_t vq_device_area(uint16_t size)
{
	return 6 + 8u * size;
}

/**
 * Create a virtqueue and its shared memory; the device is not told yet.
 * @v vq	queue to fill
 * @v vp	device
 * @v index	queue index
 * @v max_size	most entries wanted (a power of two)
 * @v max_slots	most request slots (1-VQ_MAX_SLOTS; see vs_queue_cut)
 * @v min_descs	descriptors the largest chain needs at least
 *		(at most VQ_MAX_SLOT_DESCS)
 * @v indirect	VIRTIO_F_INDIRECT_DESC was negotiated: use tables
 * @ret rc	VS_OK, VS_E_DEVICE for an unusable or too small queue (logged
 *		with its size), VS_E_NOMEM
 */
int vq_create(struct virtqueue *vq, struct vp_dev *vp, uint16_t index,
	      uint16_t max_size, uint16_t max_slots, uint16_t min_descs,
	      bool indirect)
{
	struct vs_platform *p = vp->plat;
	uint16_t dev_size;
	size_t used_off, tables_off;
	int rc;

	vs_memset(vq, 0, sizeof(*vq));
	vq->vp = vp;
	vq->q.ops = &vq_ops;
	vq->q.plat = p;
	vq->q.index = index;
	vq->indirect = indirect;
	dev_size = vp_queue_size(vp, index);
	/* §2.7: Queue Size is a power of 2 no larger than 32768 */
	if (dev_size == 0 || (dev_size & (dev_size - 1)) ||
	    dev_size > VIRTQ_MAX_SIZE) {
		VS_ERR(p, "virtqueue %u: bad size %u", index, dev_size);
		return VS_E_DEVICE;
	}
	/* Legacy devices cannot shrink a queue (§4.1.4.8) */
	rc = vs_queue_cut(&vq->q, (vp->modern && dev_size > max_size) ?
			  max_size : dev_size, indirect, max_slots, min_descs);
	if (rc != VS_OK)
		return rc;

	used_off = vq_align(vq_driver_area(vq->q.size), VQ_USED_ALIGN);
	tables_off = used_off + vq_align(vq_device_area(vq->q.size), VQ_USED_ALIGN);
	vq->mem_size = tables_off +
		       (indirect ? 16u * vq->q.slots * vq->q.slot_descs : 0);
	rc = p->ops->dma_alloc(p, vq->mem_size, &vq->mem, &vq->mem_dev,
			       &vq->mem_token);
	if (rc != VS_OK)
		return rc;
	vq->desc = vq->mem;
	vq->avail = (void *)((uint8_t *)vq->mem + 16u * vq->q.size);
	vq->used = (void *)((uint8_t *)vq->mem + used_off);
	if (indirect) {
		vq->tables = (void *)((uint8_t *)vq->mem + tables_off);
		vq->tables_dev = vq->mem_dev + tables_off;
	}
	return VS_OK;
}

/**
 * Give the rings to the device (after a reset too).
 * @v vq	queue
 * @ret rc	VS_OK or VS_E_DEVICE
 */
int vq_start(struct virtqueue *vq)
{
	struct vp_queue_addr addr = {
		.desc = vq->mem_dev,
		.avail = vq->mem_dev + ((uint8_t *)vq->avail - (uint8_t *)vq->mem),
		.used = vq->mem_dev + ((uint8_t *)vq->used - (uint8_t *)vq->mem),
	};

	/*
	 * §2.7.7: the core polls the used ring and takes no interrupt, so
	 * it asks the device not to send used buffer notifications (a
	 * device may still send them; nothing depends on it either way).
	 */
	vq->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	return vp_queue_enable(vq->vp, vq->q.index, vq->q.size, &addr,
			       &vq->notify_off);
}

/**
 * Forget every chain and clear the rings; only after the device was reset.
 * @v vq	queue
 */
void vq_rewind(struct virtqueue *vq)
{
	vs_memset(vq->mem, 0, vq->mem_size);
	vq->avail_idx = vq->last_used = vq->published = 0;
	vs_memset(vq->slot, 0, sizeof(vq->slot));
}

/**
 * Free the queue's memory; only after the device was reset.
 * @v vq	queue (may never have been created)
 */
void vq_destroy(struct virtqueue *vq)
{
	struct vs_platform *p;

	if (!vq->mem)
		return;
	p = vq->vp->plat;
	p->ops->dma_free(p, vq->mem_size, vq->mem, vq->mem_token);
	vq->mem = NULL;
}

/**
 * A checksum of a slot's indirect table, to tell whether the device wrote
 * into it (a table is device-readable only, §2.7.5.3).
 * @v t		table
 * @v n		descriptors in use
 * @ret sum	checksum
 */
static uint32_t vq_table_sum(volatile const struct virtq_desc *t, unsigned n)
{
	uint32_t sum = 2166136261u;	/* FNV-1a, by fields */
	unsigned i;

	for (i = 0; i < n; i++)
		sum = (sum ^ (uint32_t)t[i].addr ^ (uint32_t)(t[i].addr >> 32) ^
		       t[i].len ^ ((uint32_t)t[i].flags << 16 | t[i].next)) *
		      16777619u;
	return sum;
}

/**
 * Write a chain into descriptors, linked by next (§2.7.5).
 * @v d		first descriptor
 * @v first	its index, in the ring's table or in the slot's own
 * @v bufs	buffers
 * @v nbufs	how many
 */
static void vq_write_chain(volatile struct virtq_desc *d, uint16_t first,
			   const struct vq_buf *bufs, unsigned nbufs)
{
	unsigned i;

	for (i = 0; i < nbufs; i++) {
		d[i].addr = bufs[i].addr;
		d[i].len = bufs[i].len;
		d[i].flags = (i + 1 < nbufs ? VIRTQ_DESC_F_NEXT : 0) |
			     (bufs[i].writable ? VIRTQ_DESC_F_WRITE : 0);
		d[i].next = first + i + 1;
	}
}

/** The virtqueue of a queue of the seam. */
static struct virtqueue *vq_of(struct vs_queue *q)
{
	return vs_container_of(q, struct virtqueue, q);
}

/**
 * Publish a chain of buffers on a slot's own descriptors (§2.7.13): in the
 * ring's table, or in the slot's indirect table behind one ring
 * descriptor that has only VIRTQ_DESC_F_INDIRECT set (§2.7.5.3.1: not
 * NEXT with it, and no INDIRECT inside a table).  vs_queue_add() checked
 * the slot and the number of buffers.
 * @v q		queue
 * @v slot	free slot
 * @v bufs	buffers, device-readable ones first (§2.7.4.2)
 * @v nbufs	number of buffers (1 to slot_descs)
 * @ret rc	VS_OK
 */
static int vq_add(struct vs_queue *q, uint16_t slot, const struct vq_buf *bufs,
		  unsigned nbufs)
{
	struct virtqueue *vq = vq_of(q);
	struct vq_slot *s = &vq->slot[slot];
	volatile struct virtq_desc *t;
	uint16_t head;

	if (vq->indirect) {
		head = slot;
		t = &vq->tables[slot * q->slot_descs];
		vq_write_chain(t, 0, bufs, nbufs);
		vq->desc[head].addr = vq->tables_dev + 16ull * slot * q->slot_descs;
		vq->desc[head].len = 16u * nbufs;	/* a multiple of 16 */
		vq->desc[head].flags = VIRTQ_DESC_F_INDIRECT;
		vq->desc[head].next = 0;
		s->table_sum = vq_table_sum(t, nbufs);
	} else {
		head = slot * q->slot_descs;
		vq_write_chain(&vq->desc[head], head, bufs, nbufs);
	}
	s->ndesc = nbufs;
	vq->avail->ring[vq->avail_idx % vq->q.size] = head;
	/* §2.7.13.3.1: the chain and its ring entry before the index */
	vs_barrier(vq->vp->plat, VS_BARRIER_PUBLISH);
	vq->avail->idx = ++vq->avail_idx;
	return VS_OK;
}

/**
 * Notify the device of every chain published since the last kick, unless
 * it asked not to be (§2.7.10, VIRTQ_USED_F_NO_NOTIFY).
 * @v q		queue
 * @ret sent	a notification went out
 */
static bool vq_notify(struct vs_queue *q)
{
	struct virtqueue *vq = vq_of(q);

	if (vq->published == vq->avail_idx)
		return false;
	/* §2.7.13.4: the index before the flags are read and the notify */
	vs_barrier(vq->vp->plat, VS_BARRIER_NOTIFY);
	vq->published = vq->avail_idx;
	if (vq->used->flags & VIRTQ_USED_F_NO_NOTIFY)
		return false;
	vp_notify(vq->vp, q->index, vq->notify_off);
	return true;
}

/**
 * Take one element from the used ring and trace it to a slot: the ring's
 * own checks (vs_queue_take() checks the rest).
 * @v q		queue
 * @ret slot	slot its id names, or VQ_NO_SLOT when it names none
 * @ret len	the length the device wrote
 * @ret rc	1 for an element, 0 for none yet, VS_E_DEVICE for a broken
 *		ring (slot set when the element could still be traced)
 */
static int vq_take(struct vs_queue *q, uint16_t *slot, uint32_t *len)
{
	struct virtqueue *vq = vq_of(q);
	uint16_t used_idx, pending, id_slot;
	volatile struct virtq_used_elem *e;
	uint32_t id;

	used_idx = vq->used->idx;
	if (used_idx == vq->last_used)
		return 0;
	pending = used_idx - vq->last_used;
	if (pending > vs_queue_in_flight(q)) {
		VS_ERR(q->plat, "virtqueue %u: used idx jumped by %u", q->index,
		       pending);
		return VS_E_DEVICE;
	}
	/* §2.7.14: the element, and what the device wrote, after the index */
	vs_barrier(q->plat, VS_BARRIER_CONSUME);
	e = &vq->used->ring[vq->last_used % vq->q.size];
	id = e->id;
	*len = e->len;
	/* a slot's head: its ring entry (indirect), or its first descriptor */
	id_slot = vq->indirect ? id : id / q->slot_descs;
	if ((!vq->indirect && id % q->slot_descs) || id >= vq->q.size ||
	    id_slot >= q->slots || !q->slot[id_slot].in_flight) {
		VS_ERR(q->plat, "virtqueue %u: used id %u not in flight",
		       q->index, id);
		return VS_E_DEVICE;
	}
	vq->last_used++;
	*slot = id_slot;
	if (vq->indirect &&
	    vq_table_sum(&vq->tables[id_slot * q->slot_descs],
			 vq->slot[id_slot].ndesc) != vq->slot[id_slot].table_sum) {
		VS_ERR(q->plat, "virtqueue %u: the device wrote into the "
		       "indirect table of slot %u", q->index, id_slot);
		return VS_E_DEVICE;
	}
	return 1;
}

static const struct vs_queue_ops vq_ops = {
	.add = vq_add,
	.notify = vq_notify,
	.take = vq_take,
};
