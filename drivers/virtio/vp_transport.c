/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The core's own transport (vp_transport.h): a virtio PCI function set up
 * to FEATURES_OK with its queues live (virtio 1.2 §3.1.1 steps 1-7), for
 * the adapter to finish (step 8).
 */
#include "spec/virtio.h"
#include "vscsi/vp_transport.h"

/** The transport of the seam's transport. */
static struct vp_transport *vt_of(struct vs_transport *t)
{
	return vs_container_of(t, struct vp_transport, t);
}

/* The transport's operations over virtio_pci.c (transport.h says what
 * each must do). */

static int vt_config_read(struct vs_transport *t, uint32_t offset,
			  unsigned width, uint32_t *val)
{
	return vp_config_read(&vt_of(t)->vp, offset, width, val);
}

static int vt_config_write(struct vs_transport *t, uint32_t offset,
			   unsigned width, uint32_t val)
{
	return vp_config_write(&vt_of(t)->vp, offset, width, val);
}

static int vt_reset(struct vs_transport *t)
{
	return vp_reset(&vt_of(t)->vp);
}

static void vt_add_status(struct vs_transport *t, uint8_t bits)
{
	vp_add_status(&vt_of(t)->vp, bits);
}

static uint8_t vt_status(struct vs_transport *t)
{
	return vp_get_status(&vt_of(t)->vp);
}

static bool vt_queue_live(struct vs_transport *t, uint16_t index)
{
	return vp_queue_live(&vt_of(t)->vp, index);
}

/**
 * Give every queue's rings to the device, empty.
 * @v vt	transport, features agreed
 * @ret rc	VS_OK or VS_E_DEVICE
 */
static int vt_start_queues(struct vp_transport *vt)
{
	unsigned i;
	int rc;

	for (i = 0; i < vt->t.nqueues; i++) {
		vq_rewind(&vt->vq[i]);
		rc = vq_start(&vt->vq[i]);
		if (rc != VS_OK)
			return rc;
	}
	return VS_OK;
}

/**
 * Set the device up again after a reset (§3.1.1 steps 2-7), with the
 * features agreed at open.
 * @v t		transport
 * @ret rc	VS_OK, VS_E_REFUSED or VS_E_DEVICE
 */
static int vt_restart(struct vs_transport *t)
{
	struct vp_transport *vt = vt_of(t);
	int rc;

	vp_add_status(&vt->vp, VIRTIO_STATUS_ACKNOWLEDGE);
	vp_add_status(&vt->vp, VIRTIO_STATUS_DRIVER);
	rc = vp_set_features(&vt->vp, t->features);
	if (rc == VS_OK)
		rc = vt_start_queues(vt);
	return rc;
}

static const struct vs_transport_ops vt_ops = {
	.config_read = vt_config_read,
	.config_write = vt_config_write,
	.reset = vt_reset,
	.restart = vt_restart,
	.add_status = vt_add_status,
	.status = vt_status,
	.queue_live = vt_queue_live,
};

/**
 * Choose the features (§3.1.1 step 4, §6): the user's that the device
 * offers, and the transport's own.
 * @v vt	transport
 * @v want	device-type features the user can use
 * @ret rc	VS_OK, or VS_E_NODEV (a modern device without VERSION_1)
 */
static int vt_pick_features(struct vp_transport *vt, uint64_t want)
{
	uint64_t offered = vp_get_features(&vt->vp);

	want |= 1ull << VIRTIO_F_INDIRECT_DESC;
	if (vt->vp.modern) {
		/* A modern device without VERSION_1 speaks a legacy dialect */
		if (!(offered & (1ull << VIRTIO_F_VERSION_1))) {
			VS_ERR(vt->t.plat, "virtio-pci: modern device lacks "
			       "VERSION_1");
			return VS_E_NODEV;
		}
		/* All DMA goes through the platform's map calls, so an IOMMU
		 * or a bounce buffer (SEV, TDX) is honoured. */
		want |= (1ull << VIRTIO_F_VERSION_1) |
			(1ull << VIRTIO_F_ACCESS_PLATFORM);
	}
	vt->t.features = offered & want;
	return VS_OK;
}

/**
 * Create the queues the user wants (the device is not told yet).
 * @v vt	transport, features agreed
 * @v queues	what each queue must carry
 * @v nqueues	how many (at most VS_MAX_QUEUES)
 * @ret rc	VS_OK, or an error of vq_create (nothing left created)
 */
static int vt_create_queues(struct vp_transport *vt,
			    const struct vs_queue_want *queues, unsigned nqueues)
{
	bool indirect = vt->t.features & (1ull << VIRTIO_F_INDIRECT_DESC);
	const struct vs_queue_want *w;
	unsigned i;
	int rc;

	for (i = 0; i < nqueues; i++) {
		w = &queues[i];
		rc = vq_create(&vt->vq[i], &vt->vp, i,
			       indirect && w->indirect ? w->max_slots : w->max_size,
			       w->max_slots, w->min_descs, indirect && w->indirect);
		if (rc != VS_OK)
			goto err;
		vt->t.queue[i] = &vt->vq[i].q;
	}
	vt->t.nqueues = nqueues;
	return VS_OK;

err:
	while (i--)
		vq_destroy(&vt->vq[i]);
	return rc;
}

/**
 * Open a virtio PCI function: probe it, reset it (an earlier stage may
 * have left it running), agree on features, create and start its queues
 * (§3.1.1 steps 1-7).
 * @v vt	transport to fill
 * @v plat	platform of the PCI function
 * @v want	device-type features the user can use
 * @v queues	what each queue must carry, by queue index
 * @v nqueues	how many queues (at most VS_MAX_QUEUES)
 * @ret rc	VS_OK; VS_E_NODEV (not a virtio function we can drive, or
 *		its registers unreachable), VS_E_TIMEOUT (it never finished a
 *		reset), VS_E_REFUSED (it refused our features), VS_E_DEVICE
 *		(a queue is unusable) or VS_E_NOMEM; the device is then FAILED
 */
int vp_transport_open(struct vp_transport *vt, struct vs_platform *plat,
		      uint64_t want, const struct vs_queue_want *queues,
		      unsigned nqueues)
{
	struct vp_dev *vp = &vt->vp;
	int rc;

	vs_memset(vt, 0, sizeof(*vt));
	vt->t.ops = &vt_ops;
	vt->t.plat = plat;
	if (nqueues > VS_MAX_QUEUES)
		return VS_E_INVAL;
	rc = vp_probe(vp, plat);
	if (rc != VS_OK)
		return rc;
	vt->t.modern = vp->modern;
	vt->status_found = vp_get_status(vp);
	if (vt->status_found)
		VS_INFO(plat, "virtio-pci: found running (status %02x), "
			"resetting", vt->status_found);
	rc = vp_reset(vp);
	if (rc != VS_OK)
		return rc;
	vp_add_status(vp, VIRTIO_STATUS_ACKNOWLEDGE);
	vp_add_status(vp, VIRTIO_STATUS_DRIVER);
	rc = vt_pick_features(vt, want);
	if (rc == VS_OK)
		rc = vp_set_features(vp, vt->t.features);
	if (rc == VS_OK)
		rc = vt_create_queues(vt, queues, nqueues);
	if (rc != VS_OK)
		goto err;
	rc = vt_start_queues(vt);
	if (rc != VS_OK) {
		vp_transport_close(vt);
		goto err;
	}
	return VS_OK;

err:
	vp_add_status(vp, VIRTIO_STATUS_FAILED);
	return rc;
}

/**
 * Reset the device and free its queues; the reverse of vp_transport_open.
 * @v vt	transport
 */
void vp_transport_close(struct vp_transport *vt)
{
	unsigned i;

	vp_reset(&vt->vp);
	for (i = vt->t.nqueues; i--;)
		vq_destroy(&vt->vq[i]);
	vt->t.nqueues = 0;
}
