/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The queue seam (include/vscsi/transport.h) over U-Boot's virtio
 * transport (virtio-pci modern and legacy, virtio-mmio) and its rings.
 *
 * U-Boot's uclass resets the device, agrees on the features of our
 * feature table and sets FEATURES_OK before our probe; its rings share
 * one free list and hand a chain back as the address of its first
 * buffer, which is how a used element is traced to a slot here.  U-Boot
 * refuses an id beyond the ring or not a chain head; the index that jumps
 * is checked here; the rest (a slot not in flight, a length beyond the
 * chain) is the core's, above the seam.
 */
#include <common.h>
#include <dm/device.h>
#include <virtio_types.h>
#include <virtio.h>
#include <virtio_ring.h>
#include "vscsi_uboot.h"

static struct ub_queue *uq_of(struct vs_queue *q)
{
	return vs_container_of(q, struct ub_queue, q);
}

static struct ub_transport *ut_of(struct vs_transport *t)
{
	return vs_container_of(t, struct ub_transport, t);
}

/**
 * Publish a chain on U-Boot's ring: device-readable buffers as its "out"
 * list, writable ones as its "in" list (they come in that order).
 */
static int uq_add(struct vs_queue *q, uint16_t slot, const struct vq_buf *bufs,
		  unsigned nbufs)
{
	struct ub_queue *uq = uq_of(q);
	struct virtio_sg sg[VQ_MAX_SLOT_DESCS], *sgs[VQ_MAX_SLOT_DESCS];
	unsigned i, out = 0;

	for (i = 0; i < nbufs; i++) {
		sg[i].addr = (void *)(uintptr_t)bufs[i].addr;
		sg[i].length = bufs[i].len;
		sgs[i] = &sg[i];
		out += !bufs[i].writable;
	}
	if (virtqueue_add(uq->vq, sgs, out, nbufs - out))
		return VS_E_INVAL;	/* vs_queue_cut left room for it */
	uq->cookie[slot] = bufs[0].addr;
	return VS_OK;
}

/** Kick U-Boot's ring when chains were added since the last kick. */
static bool uq_notify(struct vs_queue *q)
{
	struct virtqueue *vq = uq_of(q)->vq;

	if (!vq->num_added)
		return false;
	virtqueue_kick(vq);
	return true;
}

/**
 * Take U-Boot's next used element.  An element U-Boot refuses (it prints
 * why) leaves the index where it was: that is a ring the device broke.
 */
static int uq_take(struct vs_queue *q, uint16_t *slot, uint32_t *len)
{
	struct ub_queue *uq = uq_of(q);
	struct virtqueue *vq = uq->vq;
	uint16_t used = virtio16_to_cpu(vq->vdev, vq->vring.used->idx);
	unsigned int ulen = 0;
	uint64_t first;
	void *addr;
	uint16_t s;

	if (used == vq->last_used_idx)
		return 0;
	if ((uint16_t)(used - vq->last_used_idx) > vs_queue_in_flight(q)) {
		VS_ERR(q->plat, "virtqueue %u: used idx jumped by %u", q->index,
		       (uint16_t)(used - vq->last_used_idx));
		return VS_E_DEVICE;
	}
	addr = virtqueue_get_buf(vq, &ulen);
	if (!addr) {
		VS_ERR(q->plat, "virtqueue %u: a used element U-Boot refused",
		       q->index);
		return VS_E_DEVICE;
	}
	first = (uintptr_t)addr;
	for (s = 0; s < q->slots; s++)
		if (q->slot[s].in_flight && uq->cookie[s] == first)
			break;
	*slot = s < q->slots ? s : VQ_NO_SLOT;
	*len = ulen;
	return 1;
}

static const struct vs_queue_ops uq_ops = {
	.add = uq_add, .notify = uq_notify, .take = uq_take,
};

/**
 * Find the device's queues (U-Boot allocates their rings: at open, and
 * new ones at each restart) and cut each into slots for the adapter; no
 * indirect descriptors (U-Boot has none).
 * @v ut	transport: its queues' ops, plat and index set
 * @ret rc	VS_OK, VS_E_DEVICE or VS_E_NOMEM
 */
static int ut_find_queues(struct ub_transport *ut)
{
	struct virtqueue *vqs[VS_MAX_QUEUES];
	unsigned i;
	int rc;

	if (virtio_find_vqs(ut->vdev, ut->t.nqueues, vqs))
		return VS_E_NOMEM;
	for (i = 0; i < ut->t.nqueues; i++) {
		ut->uq[i].vq = vqs[i];
		rc = vs_queue_cut(&ut->uq[i].q, vqs[i]->vring.num, false,
				  ut->wants[i].max_slots, ut->wants[i].min_descs);
		if (rc != VS_OK)
			return rc;
	}
	return VS_OK;
}

/* The transport's operations (transport.h says what each must do). */

/** A configuration field: U-Boot copies bytes, the field is little-endian. */
static int ut_config_read(struct vs_transport *t, uint32_t offset,
			  unsigned width, uint32_t *val)
{
	uint8_t b[4] = { 0 };

	if (width > 4 || virtio_get_config(ut_of(t)->vdev, offset, b, width))
		return VS_E_DEVICE;
	*val = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
	return VS_OK;
}

static int ut_config_write(struct vs_transport *t, uint32_t offset,
			   unsigned width, uint32_t val)
{
	uint8_t b[4] = { val, val >> 8, val >> 16, val >> 24 };

	if (width > 4 || virtio_set_config(ut_of(t)->vdev, offset, b, width))
		return VS_E_DEVICE;
	return VS_OK;
}

/** U-Boot's reset (its modern virtio-pci one waits without a deadline). */
static int ut_reset(struct vs_transport *t)
{
	return virtio_reset(ut_of(t)->vdev) ? VS_E_TIMEOUT : VS_OK;
}

/**
 * Set the device up again after a reset, as U-Boot's uclass did before
 * our probe: ACKNOWLEDGE, DRIVER, the same features, then new rings.
 */
static int ut_restart(struct vs_transport *t)
{
	struct ub_transport *ut = ut_of(t);

	virtio_add_status(ut->vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE |
			  VIRTIO_CONFIG_S_DRIVER);
	if (virtio_finalize_features(ut->vdev)) {
		VS_ERR(t->plat, "virtio-scsi: features refused on restart");
		return VS_E_REFUSED;
	}
	virtio_del_vqs(ut->vdev);
	return ut_find_queues(ut);
}

static void ut_add_status(struct vs_transport *t, uint8_t bits)
{
	virtio_add_status(ut_of(t)->vdev, bits);
}

static uint8_t ut_status(struct vs_transport *t)
{
	u8 status = 0;

	virtio_get_status(ut_of(t)->vdev, &status);
	return status;
}

/** A queue is live while U-Boot holds it (it tells no more). */
static bool ut_queue_live(struct vs_transport *t, uint16_t index)
{
	return index < t->nqueues && ut_of(t)->uq[index].vq &&
	       (ut_status(t) & VIRTIO_CONFIG_S_DRIVER_OK);
}

static const struct vs_transport_ops ut_ops = {
	.config_read = ut_config_read,
	.config_write = ut_config_write,
	.reset = ut_reset,
	.restart = ut_restart,
	.add_status = ut_add_status,
	.status = ut_status,
	.queue_live = ut_queue_live,
};

/**
 * Put a virtio device U-Boot set up (FEATURES_OK) behind the seam.
 * @v ut	transport to fill
 * @v vdev	the virtio device (child of U-Boot's transport device)
 * @v plat	the core's platform for it
 * @v wants	what each queue must carry
 * @v nqueues	how many queues
 * @ret rc	VS_OK or a VS_E_* error
 */
int ub_transport_open(struct ub_transport *ut, struct udevice *vdev,
		      struct vs_platform *plat, const struct vs_queue_want *wants,
		      unsigned nqueues)
{
	struct virtio_dev_priv *uc = dev_get_uclass_priv(vdev->parent);
	unsigned i;

	if (nqueues > VS_MAX_QUEUES)
		return VS_E_INVAL;
	memset(ut, 0, sizeof(*ut));
	ut->t.ops = &ut_ops;
	ut->t.plat = plat;
	ut->t.features = uc->features;
	ut->t.modern = !uc->legacy;
	ut->t.nqueues = nqueues;
	ut->vdev = vdev;
	ut->wants = wants;
	for (i = 0; i < nqueues; i++) {
		ut->uq[i].q.ops = &uq_ops;
		ut->uq[i].q.plat = plat;
		ut->uq[i].q.index = i;
		ut->t.queue[i] = &ut->uq[i].q;
	}
	return ut_find_queues(ut);
}

/**
 * Tell U-Boot's uclass which device-type features the driver takes (it
 * adds VERSION_1 itself): at bind, before it negotiates.
 * @v vdev	the virtio device
 * @v features	feature bits (VSCSI_FEATURES)
 */
void ub_transport_bind(struct udevice *vdev, uint64_t features)
{
	static u32 table[64];
	unsigned i, n = 0;

	for (i = 0; i < 64; i++)
		if (features & (1ull << i))
			table[n++] = i;
	virtio_driver_features_init(dev_get_uclass_priv(vdev->parent), table, n,
				    NULL, 0);
}

/**
 * Reset the device and give U-Boot back the rings it made.
 * @v ut	transport
 */
void ub_transport_close(struct ub_transport *ut)
{
	unsigned i;

	if (!ut->vdev)
		return;		/* never opened */
	virtio_reset(ut->vdev);
	virtio_del_vqs(ut->vdev);
	for (i = 0; i < ut->t.nqueues; i++)
		ut->uq[i].vq = NULL;
}
