/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Split virtqueue with a fixed descriptor pool (virtio 1.2 §2.7).
 *
 * Slot k owns descriptors [k * slot_descs, (k + 1) * slot_descs) for the
 * life of the queue; its head descriptor is the first of them, which is
 * how a used-ring id is traced back to a slot.  The device's used ring is
 * the only thing read back, and every entry is checked against the
 * driver-private slot table before it is believed (§2.7.8: "the device
 * MUST NOT" write more than the writable length, but a hostile one may).
 */
#include "spec/virtio.h"
#include "vscsi/virtqueue.h"

/** §2.7.2 legacy layout: the used ring starts on this alignment. */
#define VQ_USED_ALIGN VIRTIO_PCI_LEGACY_QUEUE_ALIGN

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
 * Cut a queue into request slots.  Without indirect descriptors, as many
 * slots as the table holds of VQ_WANT_SLOT_DESCS descriptors (or else of
 * @p min_descs); with them (§2.7.5.3), one slot per ring entry, each with
 * a table of VQ_WANT_SLOT_DESCS (at least @p min_descs).
 * @v vq	queue: size and indirect set
 * @v max_slots	most slots
 * @v min_descs	descriptors the largest chain needs at least
 * @ret rc	VS_OK, or VS_E_DEVICE when no chain fits (logged)
 */
static int vq_cut_slots(struct virtqueue *vq, uint16_t max_slots,
			uint16_t min_descs)
{
	uint16_t want = min_descs > VQ_WANT_SLOT_DESCS ? min_descs :
			VQ_WANT_SLOT_DESCS;

	if (vq->indirect) {
		vq->slots = vq->size < max_slots ? vq->size : max_slots;
		vq->slot_descs = want;
		return VS_OK;
	}
	if (vq->size < min_descs) {
		VS_ERR(vq->vp->plat, "virtqueue %u: size %u, too small for a "
		       "chain of %u", vq->index, vq->size, min_descs);
		return VS_E_DEVICE;
	}
	vq->slots = vq->size / want;
	if (vq->slots == 0)
		vq->slots = vq->size / min_descs;
	if (vq->slots > max_slots)
		vq->slots = max_slots;
	vq->slot_descs = vq->size / vq->slots;
	if (vq->slot_descs > VQ_MAX_SLOT_DESCS)
		vq->slot_descs = VQ_MAX_SLOT_DESCS;
	return VS_OK;
}

/**
 * Create a virtqueue and its shared memory; the device is not told yet.
 * @v vq	queue to fill
 * @v vp	device
 * @v index	queue index
 * @v max_size	most entries wanted (a power of two)
 * @v max_slots	most request slots (1-VQ_MAX_SLOTS; see vq_cut_slots)
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
	vq->index = index;
	vq->indirect = indirect;
	dev_size = vp_queue_size(vp, index);
	/* §2.7: Queue Size is a power of 2 no larger than 32768 */
	if (dev_size == 0 || (dev_size & (dev_size - 1)) ||
	    dev_size > VIRTQ_MAX_SIZE) {
		VS_ERR(p, "virtqueue %u: bad size %u", index, dev_size);
		return VS_E_DEVICE;
	}
	if (max_slots == 0 || max_slots > VQ_MAX_SLOTS || min_descs == 0 ||
	    min_descs > VQ_MAX_SLOT_DESCS)
		return VS_E_INVAL;
	/* Legacy devices cannot shrink a queue (§4.1.4.8) */
	vq->size = (vp->modern && dev_size > max_size) ? max_size : dev_size;
	rc = vq_cut_slots(vq, max_slots, min_descs);
	if (rc != VS_OK)
		return rc;

	used_off = vq_align(vq_driver_area(vq->size), VQ_USED_ALIGN);
	tables_off = used_off + vq_align(vq_device_area(vq->size), VQ_USED_ALIGN);
	vq->mem_size = tables_off +
		       (indirect ? 16u * vq->slots * vq->slot_descs : 0);
	rc = p->ops->dma_alloc(p, vq->mem_size, &vq->mem, &vq->mem_dev,
			       &vq->mem_token);
	if (rc != VS_OK)
		return rc;
	vq->desc = vq->mem;
	vq->avail = (void *)((uint8_t *)vq->mem + 16u * vq->size);
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
	return vp_queue_enable(vq->vp, vq->index, vq->size, &addr,
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
 * @v s		slot: its lengths are counted
 */
static void vq_write_chain(volatile struct virtq_desc *d, uint16_t first,
			   const struct vq_buf *bufs, unsigned nbufs,
			   struct vq_slot *s)
{
	unsigned i;

	s->writable_len = s->total_len = 0;
	for (i = 0; i < nbufs; i++) {
		d[i].addr = bufs[i].addr;
		d[i].len = bufs[i].len;
		d[i].flags = (i + 1 < nbufs ? VIRTQ_DESC_F_NEXT : 0) |
			     (bufs[i].writable ? VIRTQ_DESC_F_WRITE : 0);
		d[i].next = first + i + 1;
		if (bufs[i].writable)
			s->writable_len += bufs[i].len;
		s->total_len += bufs[i].len;
	}
}

/**
 * Publish a chain of buffers on a slot's own descriptors (§2.7.13): in the
 * ring's table, or in the slot's indirect table behind one ring
 * descriptor that has only VIRTQ_DESC_F_INDIRECT set (§2.7.5.3.1: not
 * NEXT with it, and no INDIRECT inside a table).  The device is not
 * notified until vq_kick().
 * @v vq	queue
 * @v slot	free slot
 * @v bufs	buffers, device-readable ones first (§2.7.4.2)
 * @v nbufs	number of buffers (1 to slot_descs)
 * @ret rc	VS_OK or VS_E_INVAL
 */
int vq_add_chain(struct virtqueue *vq, uint16_t slot,
		 const struct vq_buf *bufs, unsigned nbufs)
{
	struct vq_slot *s = &vq->slot[slot];
	volatile struct virtq_desc *t;
	uint16_t head;

	if (slot >= vq->slots || s->in_flight || nbufs == 0 ||
	    nbufs > vq->slot_descs)
		return VS_E_INVAL;
	if (vq->indirect) {
		head = slot;
		t = &vq->tables[slot * vq->slot_descs];
		vq_write_chain(t, 0, bufs, nbufs, s);
		vq->desc[head].addr = vq->tables_dev + 16ull * slot * vq->slot_descs;
		vq->desc[head].len = 16u * nbufs;	/* a multiple of 16 */
		vq->desc[head].flags = VIRTQ_DESC_F_INDIRECT;
		vq->desc[head].next = 0;
		s->table_sum = vq_table_sum(t, nbufs);
	} else {
		head = slot * vq->slot_descs;
		vq_write_chain(&vq->desc[head], head, bufs, nbufs, s);
	}
	s->ndesc = nbufs;
	s->in_flight = true;
	vq->avail->ring[vq->avail_idx % vq->size] = head;
	/* §2.7.13.3.1: the chain and its ring entry before the index */
	vs_barrier(vq->vp->plat, VS_BARRIER_PUBLISH);
	vq->avail->idx = ++vq->avail_idx;
	vq->chains++;
	return VS_OK;
}

/**
 * Notify the device of every chain published since the last kick, unless
 * it asked not to be (§2.7.10, VIRTQ_USED_F_NO_NOTIFY).
 * @v vq	queue
 */
void vq_kick(struct virtqueue *vq)
{
	if (vq->published == vq->avail_idx)
		return;
	/* §2.7.13.4: the index before the flags are read and the notify */
	vs_barrier(vq->vp->plat, VS_BARRIER_NOTIFY);
	vq->published = vq->avail_idx;
	if (vq->used->flags & VIRTQ_USED_F_NO_NOTIFY)
		return;
	vp_notify(vq->vp, vq->index, vq->notify_off);
	vq->notifications++;
}

/** Count chains in flight. */
static unsigned vq_in_flight(struct virtqueue *vq)
{
	unsigned i, n = 0;

	for (i = 0; i < vq->slots; i++)
		n += vq->slot[i].in_flight;
	return n;
}

/**
 * Take one completed chain from the used ring, checking what the device
 * wrote there.
 * @v vq	queue
 * @ret slot	slot of the chain, or VQ_NO_SLOT when it cannot be told
 * @ret len	bytes the device says it wrote, clamped to the writable
 *		length: an upper bound only, never a count to rely on
 * @ret rc	1 for a chain, 0 for none yet, VS_E_DEVICE for a bad entry
 *		(with slot set when the entry could still be traced)
 */
int vq_get_used(struct virtqueue *vq, uint16_t *slot, uint32_t *len)
{
	uint16_t used_idx, pending, id_slot;
	uint32_t id, ulen;
	volatile struct virtq_used_elem *e;

	*slot = VQ_NO_SLOT;
	*len = 0;
	used_idx = vq->used->idx;
	if (used_idx == vq->last_used)
		return 0;
	pending = used_idx - vq->last_used;
	if (pending > vq_in_flight(vq)) {
		VS_ERR(vq->vp->plat, "virtqueue %u: used idx jumped by %u",
		       vq->index, pending);
		return VS_E_DEVICE;
	}
	/* §2.7.14: the element, and what the device wrote, after the index */
	vs_barrier(vq->vp->plat, VS_BARRIER_CONSUME);
	e = &vq->used->ring[vq->last_used % vq->size];
	id = e->id;
	ulen = e->len;
	/* a slot's head: its ring entry (indirect), or its first descriptor */
	id_slot = vq->indirect ? id : id / vq->slot_descs;
	if ((!vq->indirect && id % vq->slot_descs) || id >= vq->size ||
	    id_slot >= vq->slots || !vq->slot[id_slot].in_flight) {
		VS_ERR(vq->vp->plat, "virtqueue %u: used id %u not in flight",
		       vq->index, id);
		return VS_E_DEVICE;
	}
	vq->last_used++;
	vq->slot[id_slot].in_flight = false;
	*slot = id_slot;
	/*
	 * §2.7.8.1 says len counts bytes written, but devices put the whole
	 * chain or the readable data in too (§5.6.6 legacy note; QEMU 7.2
	 * does it for WRITE data): more than the chain holds is nonsense,
	 * anything up to it is clamped.
	 */
	if (ulen > vq->slot[id_slot].total_len) {
		VS_ERR(vq->vp->plat, "virtqueue %u: used len %u beyond chain %u",
		       vq->index, ulen, vq->slot[id_slot].total_len);
		return VS_E_DEVICE;
	}
	if (vq->indirect &&
	    vq_table_sum(&vq->tables[id_slot * vq->slot_descs],
			 vq->slot[id_slot].ndesc) != vq->slot[id_slot].table_sum) {
		VS_ERR(vq->vp->plat, "virtqueue %u: the device wrote into the "
		       "indirect table of slot %u", vq->index, id_slot);
		return VS_E_DEVICE;
	}
	*len = ulen < vq->slot[id_slot].writable_len ? ulen :
	       vq->slot[id_slot].writable_len;
	return 1;
}

/** Tell whether a slot's chain is still with the device. */
bool vq_busy(struct virtqueue *vq, uint16_t slot)
{
	return slot < vq->slots && vq->slot[slot].in_flight;
}
