/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The core's side of the queue seam (transport.h): which chains are in
 * flight and how many bytes each lets the device write, kept in
 * driver-private memory, and every used element checked against it
 * before anything above believes it, whichever rings carried it.
 */
#include "vscsi/transport.h"

/**
 * Cut a queue into request slots, each owning enough descriptors for a
 * chain, so that publishing never runs out of them.  Without indirect
 * descriptors, as many slots as the ring holds of VQ_WANT_SLOT_DESCS
 * descriptors (or else of @p min_descs); with them (§2.7.5.3), one slot
 * per ring entry, each with a table of VQ_WANT_SLOT_DESCS (at least
 * @p min_descs).
 * @v q		queue: plat and index set; size is set
 * @v size	ring entries
 * @v indirect	slots are indirect tables
 * @v max_slots	most slots (1-VQ_MAX_SLOTS)
 * @v min_descs	descriptors the largest chain needs (1-VQ_MAX_SLOT_DESCS)
 * @ret rc	VS_OK, VS_E_INVAL, or VS_E_DEVICE when no chain fits (logged)
 */
int vs_queue_cut(struct vs_queue *q, uint16_t size, bool indirect,
		 uint16_t max_slots, uint16_t min_descs)
{
	uint16_t want = min_descs > VQ_WANT_SLOT_DESCS ? min_descs :
			VQ_WANT_SLOT_DESCS;

	if (max_slots == 0 || max_slots > VQ_MAX_SLOTS || min_descs == 0 ||
	    min_descs > VQ_MAX_SLOT_DESCS)
		return VS_E_INVAL;
	q->size = size;
	if (indirect) {
		q->slots = size < max_slots ? size : max_slots;
		q->slot_descs = want;
		return VS_OK;
	}
	if (size < min_descs) {
		VS_ERR(q->plat, "virtqueue %u: size %u, too small for a chain "
		       "of %u", q->index, size, min_descs);
		return VS_E_DEVICE;
	}
	q->slots = size / want;
	if (q->slots == 0)
		q->slots = size / min_descs;
	if (q->slots > max_slots)
		q->slots = max_slots;
	q->slot_descs = size / q->slots;
	if (q->slot_descs > VQ_MAX_SLOT_DESCS)
		q->slot_descs = VQ_MAX_SLOT_DESCS;
	return VS_OK;
}

/**
 * Publish a chain on a free slot; the device is told at vs_queue_kick().
 * @v q		queue
 * @v slot	slot
 * @v bufs	buffers, device-readable ones first (§2.7.4.2)
 * @v nbufs	number of buffers (1 to slot_descs)
 * @ret rc	VS_OK, or VS_E_INVAL (a busy slot, too many buffers)
 */
int vs_queue_add(struct vs_queue *q, uint16_t slot, const struct vq_buf *bufs,
		 unsigned nbufs)
{
	struct vs_queue_slot *s = &q->slot[slot];
	uint32_t writable = 0, total = 0;
	unsigned i;
	int rc;

	if (slot >= q->slots || s->in_flight || nbufs == 0 ||
	    nbufs > q->slot_descs)
		return VS_E_INVAL;
	for (i = 0; i < nbufs; i++) {
		if (bufs[i].writable)
			writable += bufs[i].len;
		total += bufs[i].len;
	}
	rc = q->ops->add(q, slot, bufs, nbufs);
	if (rc != VS_OK)
		return rc;
	s->writable_len = writable;
	s->total_len = total;
	s->in_flight = true;
	q->chains++;
	return VS_OK;
}

/**
 * Notify the device of every chain published since the last kick.
 * @v q		queue
 */
void vs_queue_kick(struct vs_queue *q)
{
	if (q->ops->notify(q))
		q->notifications++;
}

/** Count chains in flight. */
unsigned vs_queue_in_flight(const struct vs_queue *q)
{
	unsigned i, n = 0;

	for (i = 0; i < q->slots; i++)
		n += q->slot[i].in_flight;
	return n;
}

/**
 * Take one completed chain, checking what the device wrote: the element
 * must name a chain in flight, and its length may not exceed the chain.
 * @v q		queue
 * @ret slot	slot of the chain, or VQ_NO_SLOT when it cannot be told
 * @ret len	bytes the device says it wrote, clamped to the writable
 *		length: an upper bound only, never a count to rely on
 * @ret rc	1 for a chain, 0 for none yet, VS_E_DEVICE for a bad element
 *		(with slot set when it still names a chain in flight, which
 *		is then no longer in flight)
 */
int vs_queue_take(struct vs_queue *q, uint16_t *slot, uint32_t *len)
{
	uint16_t s = VQ_NO_SLOT;
	uint32_t ulen = 0;
	int rc;

	*slot = VQ_NO_SLOT;
	*len = 0;
	rc = q->ops->take(q, &s, &ulen);
	if (rc == 0)
		return 0;
	if (s >= q->slots || !q->slot[s].in_flight) {
		if (rc > 0)
			VS_ERR(q->plat, "virtqueue %u: used id for slot %d not "
			       "in flight", q->index, s == VQ_NO_SLOT ? -1 : s);
		return VS_E_DEVICE;
	}
	q->slot[s].in_flight = false;
	*slot = s;
	if (rc < 0)
		return rc;
	/*
	 * §2.7.8.1 says len counts bytes written, but devices put the whole
	 * chain or the readable data in too (§5.6.6 legacy note; QEMU 7.2
	 * does it for WRITE data): more than the chain holds is nonsense,
	 * anything up to it is clamped.
	 */
	if (ulen > q->slot[s].total_len) {
		VS_ERR(q->plat, "virtqueue %u: used len %u beyond chain %u",
		       q->index, ulen, q->slot[s].total_len);
		return VS_E_DEVICE;
	}
	*len = ulen < q->slot[s].writable_len ? ulen : q->slot[s].writable_len;
	return 1;
}

/** Tell whether a slot's chain is still with the device. */
bool vs_queue_busy(const struct vs_queue *q, uint16_t slot)
{
	return slot < q->slots && q->slot[slot].in_flight;
}

/**
 * Forget every chain; only after the device was reset.
 * @v q		queue
 */
void vs_queue_rewind(struct vs_queue *q)
{
	vs_memset(q->slot, 0, sizeof(q->slot));
}
