/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * A host's virtio transport and rings under the adapter (host_queue.h).
 *
 * The device set-up borrows the core's PCI register access (virtio_pci.c)
 * as a host would use its own; the rings are the host's: descriptors
 * from one free list shared by all chains, a chain found again by the
 * address of its first buffer.  Nothing here checks what the device
 * wrote beyond what a host's rings must to stay whole (an id that is no
 * chain head is refused, as U-Boot refuses it): the rest is the core's.
 */
#include <stdlib.h>
#include <string.h>
#include "spec/virtio.h"
#include "host_queue.h"

#define HOST_MAX_NUM 256
#define HOST_ALIGN 4096
#define HOST_NO_HEAD 0xFFFF

static struct host_queue *hq_of(struct vs_queue *q)
{
	return vs_container_of(q, struct host_queue, q);
}

static struct host_transport *ht_of(struct vs_transport *t)
{
	return vs_container_of(t, struct host_transport, t);
}

/** Chain every descriptor into the free list; clear the rings. */
static void hq_rewind(struct host_queue *hq)
{
	uint16_t i;

	memset(hq->mem, 0, hq->mem_size);
	for (i = 0; i < hq->num; i++)
		hq->desc[i].next = i + 1;
	hq->free_head = 0;
	hq->num_free = hq->num;
	hq->avail_idx = hq->kicked = hq->last_used = 0;
	hq->twice = false;
	memset(hq->cookie, 0, sizeof(hq->cookie));
}

static int hq_add(struct vs_queue *q, uint16_t slot, const struct vq_buf *bufs,
		  unsigned nbufs)
{
	struct host_queue *hq = hq_of(q);
	uint16_t head = hq->free_head, i = head, last = head;
	unsigned n;

	if (hq->num_free < nbufs)
		return VS_E_INVAL;
	for (n = 0; n < nbufs; n++) {
		hq->desc[i].addr = bufs[n].addr;
		hq->desc[i].len = bufs[n].len;
		hq->desc[i].flags = (n + 1 < nbufs ? VIRTQ_DESC_F_NEXT : 0) |
				    (bufs[n].writable ? VIRTQ_DESC_F_WRITE : 0);
		last = i;
		i = hq->desc[i].next;
	}
	hq->free_head = i;
	hq->desc[last].next = 0;
	hq->num_free -= nbufs;
	hq->cookie[slot] = bufs[0].addr;
	hq->avail->ring[hq->avail_idx % hq->num] = head;
	vs_barrier(q->plat, VS_BARRIER_PUBLISH);
	hq->avail->idx = ++hq->avail_idx;
	return VS_OK;
}

static bool hq_notify(struct vs_queue *q)
{
	struct host_queue *hq = hq_of(q);

	if (hq->kicked == hq->avail_idx)
		return false;
	vs_barrier(q->plat, VS_BARRIER_NOTIFY);
	hq->kicked = hq->avail_idx;
	vp_notify(hq->vp, q->index, hq->notify_off);
	return true;
}

/**
 * Give a chain's descriptors back to the free list.
 * @ret first	the address of its first buffer (the host's cookie)
 */
static uint64_t hq_detach(struct host_queue *hq, uint16_t head)
{
	uint64_t first = hq->desc[head].addr;
	uint16_t i = head, n = 1;

	while ((hq->desc[i].flags & VIRTQ_DESC_F_NEXT) && n < hq->num) {
		i = hq->desc[i].next % hq->num;
		n++;
	}
	hq->desc[i].next = hq->free_head;
	hq->free_head = head;
	hq->num_free += n;
	return first;
}

/** Is this descriptor a chain head the host has out? */
static bool hq_is_head(struct host_queue *hq, uint32_t id)
{
	uint16_t s;

	if (id >= hq->num)
		return false;
	for (s = 0; s < hq->q.slots; s++)
		if (hq->q.slot[s].in_flight && hq->cookie[s] == hq->desc[id].addr)
			return true;
	return false;
}

/** Apply the queue's lie, if it tells one, to what it hands out. */
static void hq_lie(struct host_queue *hq, uint16_t *slot, uint32_t *len)
{
	switch (hq->lie) {
	case HOST_LIE_SLOT: *slot = (*slot + 1) % hq->q.slots; break;
	case HOST_LIE_RANGE: *slot = hq->q.slots + 3; break;
	case HOST_LIE_LEN: *len = 0x7FFFFFFF; break;
	case HOST_LIE_TWICE: hq->twice = true; return;
	default: return;
	}
	hq->lies++;
}

static int hq_take(struct vs_queue *q, uint16_t *slot, uint32_t *len)
{
	struct host_queue *hq = hq_of(q);
	volatile struct virtq_used_elem *e;
	uint64_t first;
	uint32_t id;
	uint16_t s;

	if (hq->twice) {
		hq->twice = false;
		hq->lies++;
		*slot = hq->again_slot;
		*len = hq->again_len;
		return 1;
	}
	if (hq->used->idx == hq->last_used)
		return 0;
	/* the ring's own check: no more elements than chains out */
	if ((uint16_t)(hq->used->idx - hq->last_used) > vs_queue_in_flight(q)) {
		VS_ERR(q->plat, "host queue %u: used idx jumped", q->index);
		return VS_E_DEVICE;
	}
	vs_barrier(q->plat, VS_BARRIER_CONSUME);
	e = &hq->used->ring[hq->last_used % hq->num];
	id = e->id;
	if (!hq_is_head(hq, id)) {
		VS_ERR(q->plat, "host queue %u: id %u is not a head", q->index, id);
		return VS_E_DEVICE;
	}
	*len = e->len;
	hq->last_used++;
	first = hq_detach(hq, id);
	for (s = 0; s < q->slots && hq->cookie[s] != first; s++)
		;
	*slot = s < q->slots ? s : VQ_NO_SLOT;
	hq->again_slot = *slot;
	hq->again_len = *len;
	hq_lie(hq, slot, len);
	return 1;
}

static const struct vs_queue_ops hq_ops = {
	.add = hq_add, .notify = hq_notify, .take = hq_take,
};

/** Create host queue @p index, cut for the adapter, and enable it. */
static int hq_create(struct host_transport *ht, unsigned index)
{
	struct host_queue *hq = &ht->hq[index];
	struct vs_platform *p = ht->t.plat;
	size_t used_off;
	int rc;

	memset(hq, 0, sizeof(*hq));
	hq->vp = &ht->vp;
	hq->q.ops = &hq_ops;
	hq->q.plat = p;
	hq->q.index = index;
	hq->num = vp_queue_size(&ht->vp, index);
	if (hq->num == 0 || hq->num > HOST_MAX_NUM)
		return VS_E_DEVICE;
	rc = vs_queue_cut(&hq->q, hq->num, false, vscsi_queues[index].max_slots,
			  vscsi_queues[index].min_descs);
	if (rc != VS_OK)
		return rc;
	used_off = (16u * hq->num + 6 + 2u * hq->num + HOST_ALIGN - 1) &
		   ~(size_t)(HOST_ALIGN - 1);
	hq->mem_size = used_off + 6 + 8u * hq->num;
	rc = p->ops->dma_alloc(p, hq->mem_size, &hq->mem, &hq->mem_dev,
			       &hq->mem_token);
	if (rc != VS_OK)
		return rc;
	hq->desc = hq->mem;
	hq->avail = (void *)((uint8_t *)hq->mem + 16u * hq->num);
	hq->used = (void *)((uint8_t *)hq->mem + used_off);
	ht->t.queue[index] = &hq->q;
	return VS_OK;
}

/** Give every host queue's rings to the device, empty. */
static int ht_enable(struct host_transport *ht)
{
	unsigned i;
	int rc;

	for (i = 0; i < VSCSI_QUEUES; i++) {
		struct host_queue *hq = &ht->hq[i];
		struct vp_queue_addr addr = {
			.desc = hq->mem_dev,
			.avail = hq->mem_dev + 16u * hq->num,
			.used = hq->mem_dev + ((uint8_t *)hq->used - (uint8_t *)hq->mem),
		};

		hq_rewind(hq);
		rc = vp_queue_enable(&ht->vp, i, hq->num, &addr, &hq->notify_off);
		if (rc != VS_OK)
			return rc;
	}
	return VS_OK;
}

static int ht_config_read(struct vs_transport *t, uint32_t off, unsigned w,
			  uint32_t *val)
{
	return vp_config_read(&ht_of(t)->vp, off, w, val);
}

static int ht_config_write(struct vs_transport *t, uint32_t off, unsigned w,
			   uint32_t val)
{
	return vp_config_write(&ht_of(t)->vp, off, w, val);
}

static int ht_reset(struct vs_transport *t)
{
	return vp_reset(&ht_of(t)->vp);
}

static int ht_restart(struct vs_transport *t)
{
	struct host_transport *ht = ht_of(t);
	int rc;

	vp_add_status(&ht->vp, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	rc = vp_set_features(&ht->vp, t->features);
	return rc == VS_OK ? ht_enable(ht) : rc;
}

static void ht_add_status(struct vs_transport *t, uint8_t bits)
{
	vp_add_status(&ht_of(t)->vp, bits);
}

static uint8_t ht_status(struct vs_transport *t)
{
	return vp_get_status(&ht_of(t)->vp);
}

static bool ht_queue_live(struct vs_transport *t, uint16_t index)
{
	return vp_queue_live(&ht_of(t)->vp, index);
}

static const struct vs_transport_ops ht_ops = {
	.config_read = ht_config_read, .config_write = ht_config_write,
	.reset = ht_reset, .restart = ht_restart, .add_status = ht_add_status,
	.status = ht_status, .queue_live = ht_queue_live,
};

/**
 * Set a device up as a host would (§3.1.1 steps 1-7), with no indirect
 * descriptors (U-Boot has none) and its own rings.
 * @v ht	host transport to fill
 * @v plat	platform of the device
 * @ret rc	VS_OK or an error
 */
int host_open(struct host_transport *ht, struct vs_platform *plat)
{
	uint64_t want = VSCSI_FEATURES | (1ull << VIRTIO_F_VERSION_1);
	unsigned i;
	int rc;

	memset(ht, 0, sizeof(*ht));
	ht->t.ops = &ht_ops;
	ht->t.plat = plat;
	rc = vp_probe(&ht->vp, plat);
	if (rc == VS_OK)
		rc = vp_reset(&ht->vp);
	if (rc != VS_OK)
		return rc;
	ht->t.modern = ht->vp.modern;
	ht->t.features = vp_get_features(&ht->vp) & want;
	ht->t.nqueues = VSCSI_QUEUES;
	for (i = 0; i < VSCSI_QUEUES && rc == VS_OK; i++)
		rc = hq_create(ht, i);
	if (rc == VS_OK)
		rc = ht_restart(&ht->t);
	if (rc != VS_OK)
		host_close(ht);
	return rc;
}

/** Reset the device and free the host's rings. */
void host_close(struct host_transport *ht)
{
	struct vs_platform *p = ht->t.plat;
	unsigned i;

	vp_reset(&ht->vp);
	for (i = 0; i < VSCSI_QUEUES; i++)
		if (ht->hq[i].mem)
			p->ops->dma_free(p, ht->hq[i].mem_size, ht->hq[i].mem,
					 ht->hq[i].mem_token);
	memset(ht->hq, 0, sizeof(ht->hq));
}
