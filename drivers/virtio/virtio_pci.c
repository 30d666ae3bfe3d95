/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Virtio over PCI transport (virtio 1.2 §4.1).
 *
 * A device with the four vendor capabilities (common, notify, ISR, device
 * configuration) is driven through them (§4.1.4); a transitional device
 * without them is driven through the legacy layout of I/O BAR 0
 * (§4.1.4.8).  Everything read from the device's PCI space is bounds-checked
 * before use: capability pointers, BAR numbers and window lengths.
 */
#include "spec/virtio.h"
#include "spec/virtio_scsi.h"
#include "vscsi/virtio_pci.h"

/** Most vendor capabilities walked; stops a looping capability list. */
#define VP_MAX_CAPS 48
/** How long a reset may take to read back as 0 (§4.1.4.3.2). */
#define VP_RESET_TIMEOUT_US 1000000
#define VP_RESET_POLL_US 10
/** How often a multi-field config read is retried (§2.5.1 generation). */
#define VP_CONFIG_RETRIES 16

/**
 * Read a field of a BAR window.
 * @v vp	device
 * @v r		window
 * @v off	offset in the window
 * @v width	bytes
 * @ret val	value, or all-ones on failure
 */
static uint64_t vp_region_read(struct vp_dev *vp, const struct vp_region *r,
			       uint32_t off, unsigned width)
{
	uint64_t val = ~0ULL;

	if (!r->present || off > r->length || width > r->length - off)
		return val;
	if (vp->plat->ops->bar_read(vp->plat, r->is_io, r->bar, r->offset + off,
				    width, &val) != VS_OK)
		return ~0ULL;
	return val;
}

/**
 * Write a field of a BAR window.
 * @v vp	device
 * @v r		window
 * @v off	offset in the window
 * @v width	bytes
 * @v val	value
 * @ret rc	VS_OK, or VS_E_DEVICE when outside the window
 */
static int vp_region_write(struct vp_dev *vp, const struct vp_region *r,
			   uint32_t off, unsigned width, uint64_t val)
{
	if (!r->present || off > r->length || width > r->length - off)
		return VS_E_DEVICE;
	return vp->plat->ops->bar_write(vp->plat, r->is_io, r->bar,
					r->offset + off, width, val);
}

/** Read PCI configuration space; all-ones on failure. */
static uint32_t vp_pci_read(struct vp_dev *vp, uint32_t off, unsigned width)
{
	uint32_t val;

	if (vp->plat->ops->pci_read(vp->plat, off, width, &val) != VS_OK)
		return 0xFFFFFFFFu;
	return val;
}

/**
 * Tell whether a BAR is an I/O BAR.
 * @v vp	device
 * @v bar	BAR index, already checked to be 0-5
 * @ret is_io	true for I/O space
 */
static bool vp_bar_is_io(struct vp_dev *vp, unsigned bar)
{
	return vp_pci_read(vp, PCI_BAR0 + 4 * bar, 4) & PCI_BAR_IO;
}

/**
 * Ask the platform whether a register window can be reached.
 * @v vp	device
 * @v r		window (bar, offset, length, is_io filled in)
 * @ret ok	usable
 */
static bool vp_window_reachable(struct vp_dev *vp, const struct vp_region *r)
{
	const struct vs_platform_ops *ops = vp->plat->ops;

	return !ops->bar_check ||
	       ops->bar_check(vp->plat, r->is_io, r->bar, r->offset,
			      r->length) == VS_OK;
}

/**
 * Record one vendor capability (§4.1.4).
 * @v vp	device
 * @v pos	capability offset in config space
 */
static void vp_parse_cap(struct vp_dev *vp, uint8_t pos)
{
	uint8_t type = vp_pci_read(vp, pos + VIRTIO_PCI_CAP_CFG_TYPE, 1);
	uint8_t len = vp_pci_read(vp, pos + VIRTIO_PCI_CAP_LEN, 1);
	uint8_t bar = vp_pci_read(vp, pos + VIRTIO_PCI_CAP_BAR, 1);
	struct vp_region *r;

	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG: r = &vp->common; break;
	case VIRTIO_PCI_CAP_NOTIFY_CFG: r = &vp->notify; break;
	case VIRTIO_PCI_CAP_ISR_CFG: r = &vp->isr; break;
	case VIRTIO_PCI_CAP_DEVICE_CFG: r = &vp->device; break;
	default: return;	/* PCI cfg access and unknown types unused */
	}
	/* §4.1.4: the driver uses the first capability of each type it can */
	if (r->present || bar > 5 || len < VIRTIO_PCI_CAP_MIN_LEN)
		return;
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
		if (len < VIRTIO_PCI_NOTIFY_CAP_MIN_LEN)
			return;
		vp->notify_mult = vp_pci_read(vp, pos + VIRTIO_PCI_NOTIFY_CAP_MULT, 4);
	}
	r->bar = bar;
	r->offset = vp_pci_read(vp, pos + VIRTIO_PCI_CAP_OFFSET, 4);
	r->length = vp_pci_read(vp, pos + VIRTIO_PCI_CAP_LENGTH, 4);
	r->is_io = vp_bar_is_io(vp, bar);
	r->present = vp_window_reachable(vp, r);
}

/**
 * Walk the PCI capability list for virtio structures.
 * @v vp	device
 */
static void vp_find_caps(struct vp_dev *vp)
{
	unsigned count;
	uint8_t pos;

	if (!(vp_pci_read(vp, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return;
	pos = vp_pci_read(vp, PCI_CAP_PTR, 1) & ~3;
	for (count = 0; pos >= 0x40 && count < VP_MAX_CAPS; count++) {
		if (vp_pci_read(vp, pos, 1) == PCI_CAP_ID_VNDR)
			vp_parse_cap(vp, pos);
		pos = vp_pci_read(vp, pos + VIRTIO_PCI_CAP_NEXT, 1) & ~3;
	}
}

/**
 * Check that the modern windows are big enough for what we access.
 * @v vp	device
 * @ret ok	all four windows usable
 */
static bool vp_modern_usable(struct vp_dev *vp)
{
	return vp->common.present && vp->notify.present && vp->isr.present &&
	       vp->device.present &&
	       vp->common.length >= VIRTIO_PCI_COMMON_CFG_MIN_LEN &&
	       vp->isr.length >= 1 && vp->notify.length >= 2;
}

/**
 * Tell whether PCI IDs name a virtio-scsi function (virtio 1.2 §4.1.2:
 * vendor 1AF4h, device 1048h modern or 1004h transitional).  The one
 * place the IDs are compared: every platform asks here.
 * @v vendor	vendor ID
 * @v device	device ID
 * @ret yes	it is one
 */
bool vp_is_virtio_scsi(uint16_t vendor, uint16_t device)
{
	return vendor == VIRTIO_PCI_VENDOR_ID &&
	       (device == VIRTIO_PCI_DEVICE_ID_SCSI_MODERN ||
		device == VIRTIO_PCI_DEVICE_ID_SCSI_TRANSITIONAL);
}

/**
 * Identify a virtio-scsi PCI function and find its register windows.
 * @v vp	device to fill
 * @v plat	platform giving access to the function
 * @ret rc	VS_OK, or VS_E_NODEV if it is not a virtio-scsi we can drive
 */
int vp_probe(struct vp_dev *vp, struct vs_platform *plat)
{
	uint16_t vendor, device;

	vs_memset(vp, 0, sizeof(*vp));
	vp->plat = plat;
	vendor = vp_pci_read(vp, PCI_VENDOR_ID, 2);
	device = vp_pci_read(vp, PCI_DEVICE_ID, 2);
	if (!vp_is_virtio_scsi(vendor, device))
		return VS_E_NODEV;
	vp->pci_device_id = device;

	vp_find_caps(vp);
	if (vp_modern_usable(vp)) {
		vp->modern = true;
		return VS_OK;
	}
	/*
	 * §4.1.2.1: only transitional devices have the legacy interface:
	 * the common header (MSI-X off, §4.1.4.8), then virtio-scsi's
	 * configuration, in I/O BAR 0
	 */
	vp->legacy = (struct vp_region){
		.present = true, .is_io = true,
		.bar = VIRTIO_PCI_LEGACY_BAR, .offset = 0,
		.length = VIRTIO_PCI_LEGACY_CONFIG + VIRTIO_SCSI_CFG_SIZE,
	};
	if (device == VIRTIO_PCI_DEVICE_ID_SCSI_TRANSITIONAL &&
	    vp_bar_is_io(vp, VIRTIO_PCI_LEGACY_BAR) &&
	    vp_window_reachable(vp, &vp->legacy)) {
		vp->device = vp->legacy;
		vp->device.offset = VIRTIO_PCI_LEGACY_CONFIG;
		vp->device.length = VIRTIO_SCSI_CFG_SIZE;
		vp->modern = false;
		return VS_OK;
	}
	vp->legacy.present = false;
	VS_ERR(plat, "virtio-pci: %04x:%04x has no usable interface",
	       vendor, device);
	return VS_E_NODEV;
}

/** Read the device status byte (§2.1). */
uint8_t vp_get_status(struct vp_dev *vp)
{
	if (vp->modern)
		return vp_region_read(vp, &vp->common, VIRTIO_PCI_COMMON_STATUS, 1);
	return vp_region_read(vp, &vp->legacy, VIRTIO_PCI_LEGACY_STATUS, 1);
}

/** Write the device status byte (§2.1). */
void vp_set_status(struct vp_dev *vp, uint8_t status)
{
	if (vp->modern)
		vp_region_write(vp, &vp->common, VIRTIO_PCI_COMMON_STATUS, 1, status);
	else
		vp_region_write(vp, &vp->legacy, VIRTIO_PCI_LEGACY_STATUS, 1, status);
}

/** Set more status bits, keeping those already set (§3.1.1). */
void vp_add_status(struct vp_dev *vp, uint8_t bits)
{
	vp_set_status(vp, vp_get_status(vp) | bits);
}

/**
 * Reset the device and wait until it reads back 0 (§4.1.4.3.2), so it
 * no longer touches any memory it was given.  A device that does not
 * reset in time loses bus mastering instead: either way no DMA is left
 * when this returns, and memory it was given may be freed.
 * @v vp	device
 * @ret rc	VS_OK, or VS_E_TIMEOUT when bus mastering had to be cut
 */
int vp_reset(struct vp_dev *vp)
{
	uint64_t deadline;
	uint32_t cmd;

	vp_set_status(vp, 0);
	deadline = vs_deadline(vp->plat, VP_RESET_TIMEOUT_US);
	for (;;) {
		if (vp_get_status(vp) == 0)
			return VS_OK;
		if (vs_expired(vp->plat, deadline))
			break;
		vp->plat->ops->delay_us(vp->plat, VP_RESET_POLL_US);
	}
	VS_ERR(vp->plat, "virtio-pci: reset did not complete, bus mastering off");
	cmd = vp_pci_read(vp, PCI_COMMAND, 2);
	vp->plat->ops->pci_write(vp->plat, PCI_COMMAND, 2,
				 cmd & ~PCI_COMMAND_BUS_MASTER);
	return VS_E_TIMEOUT;
}

/**
 * Read the device's feature bits.
 * @v vp	device
 * @ret features	bits 0-63 (legacy: 0-31)
 */
uint64_t vp_get_features(struct vp_dev *vp)
{
	uint64_t lo, hi;

	if (!vp->modern)
		return (uint32_t)vp_region_read(vp, &vp->legacy,
					VIRTIO_PCI_LEGACY_HOST_FEATURES, 4);
	vp_region_write(vp, &vp->common, VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	lo = (uint32_t)vp_region_read(vp, &vp->common, VIRTIO_PCI_COMMON_DF, 4);
	vp_region_write(vp, &vp->common, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	hi = (uint32_t)vp_region_read(vp, &vp->common, VIRTIO_PCI_COMMON_DF, 4);
	return lo | (hi << 32);
}

/**
 * Write the driver's feature bits and, on a modern device, confirm them
 * with FEATURES_OK (§3.1.1 steps 5-6).
 * @v vp	device
 * @v features	bits to accept, a subset of vp_get_features()
 * @ret rc	VS_OK, or VS_E_REFUSED if the device refused them
 */
int vp_set_features(struct vp_dev *vp, uint64_t features)
{
	if (!vp->modern)
		return vp_region_write(vp, &vp->legacy,
				       VIRTIO_PCI_LEGACY_GUEST_FEATURES, 4,
				       (uint32_t)features);
	vp_region_write(vp, &vp->common, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	vp_region_write(vp, &vp->common, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)features);
	vp_region_write(vp, &vp->common, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	vp_region_write(vp, &vp->common, VIRTIO_PCI_COMMON_GF, 4, features >> 32);
	vp_add_status(vp, VIRTIO_STATUS_FEATURES_OK);
	if (!(vp_get_status(vp) & VIRTIO_STATUS_FEATURES_OK)) {
		VS_ERR(vp->plat, "virtio-pci: device refused features %llx",
		       (unsigned long long)features);
		return VS_E_REFUSED;
	}
	return VS_OK;
}

/**
 * Read a device configuration field, consistently (§2.5.1, §4.1.4.3).
 * @v vp	device
 * @v offset	field offset
 * @v width	1, 2 or 4
 * @ret val	value
 * @ret rc	VS_OK, or VS_E_DEVICE if outside the window or never stable
 */
int vp_config_read(struct vp_dev *vp, uint32_t offset, unsigned width,
		   uint32_t *val)
{
	unsigned tries;
	uint8_t gen;

	if (offset > vp->device.length || width > vp->device.length - offset)
		return VS_E_DEVICE;
	if (!vp->modern) {
		*val = vp_region_read(vp, &vp->device, offset, width);
		return VS_OK;
	}
	for (tries = 0; tries < VP_CONFIG_RETRIES; tries++) {
		gen = vp_region_read(vp, &vp->common,
				     VIRTIO_PCI_COMMON_CFGGENERATION, 1);
		*val = vp_region_read(vp, &vp->device, offset, width);
		if (gen == (uint8_t)vp_region_read(vp, &vp->common,
					VIRTIO_PCI_COMMON_CFGGENERATION, 1))
			return VS_OK;
	}
	VS_ERR(vp->plat, "virtio: config generation changed in each of %u reads "
	       "of offset %u", VP_CONFIG_RETRIES, offset);
	return VS_E_DEVICE;
}

/** Write a device configuration field; parameters as vp_config_read. */
int vp_config_write(struct vp_dev *vp, uint32_t offset, unsigned width,
		    uint32_t val)
{
	return vp_region_write(vp, &vp->device, offset, width, val);
}

/**
 * Read the size of a queue.
 * @v vp	device
 * @v index	queue index
 * @ret size	entries the device offers (0: queue absent)
 * @ret rc	VS_OK
 */
/**
 * Tell whether the device holds a queue live, as its registers say:
 * queue_enable (modern, §4.1.4.3) or a non-zero ring address (legacy).
 * @v vp	device
 * @v index	queue
 * @ret live	the device may use the queue's rings
 */
bool vp_queue_live(struct vp_dev *vp, uint16_t index)
{
	if (vp->modern) {
		vp_region_write(vp, &vp->common, VIRTIO_PCI_COMMON_Q_SELECT, 2, index);
		return vp_region_read(vp, &vp->common, VIRTIO_PCI_COMMON_Q_ENABLE, 2) == 1;
	}
	vp_region_write(vp, &vp->legacy, VIRTIO_PCI_LEGACY_QUEUE_SELECT, 2, index);
	return vp_region_read(vp, &vp->legacy, VIRTIO_PCI_LEGACY_QUEUE_PFN, 4) != 0;
}

/**
 * The size the device offers for a queue (§4.1.4.3 queue_size; legacy
 * §4.1.4.8): checked by the caller, 0 meaning no such queue.
 * @v vp	device
 * @v index	queue
 * @ret size	entries
 */
uint16_t vp_queue_size(struct vp_dev *vp, uint16_t index)
{
	if (vp->modern) {
		vp_region_write(vp, &vp->common, VIRTIO_PCI_COMMON_Q_SELECT, 2, index);
		return vp_region_read(vp, &vp->common, VIRTIO_PCI_COMMON_Q_SIZE, 2);
	}
	vp_region_write(vp, &vp->legacy, VIRTIO_PCI_LEGACY_QUEUE_SELECT, 2, index);
	return vp_region_read(vp, &vp->legacy, VIRTIO_PCI_LEGACY_QUEUE_SIZE, 2);
}

/**
 * Write a 64-bit common configuration field as two 32-bit halves, low
 * first (§4.1.3.1 allows it, and not every device takes 64-bit accesses).
 * @v vp	device
 * @v off	field offset
 * @v val	value
 */
static void vp_write64(struct vp_dev *vp, uint32_t off, uint64_t val)
{
	vp_region_write(vp, &vp->common, off, 4, (uint32_t)val);
	vp_region_write(vp, &vp->common, off + 4, 4, val >> 32);
}

/**
 * Give a queue's rings to the device and enable it (§4.1.5.1.3).
 * @v vp	device
 * @v index	queue index
 * @v size	entries (modern: may be below the device's; legacy: must match)
 * @v addr	ring addresses (legacy: desc page aligned, rings contiguous)
 * @ret notify_off	modern: queue_notify_off for vp_notify
 * @ret rc	VS_OK or VS_E_DEVICE
 */
int vp_queue_enable(struct vp_dev *vp, uint16_t index, uint16_t size,
		    const struct vp_queue_addr *addr, uint32_t *notify_off)
{
	struct vp_region *c = &vp->common;

	*notify_off = 0;
	if (!vp->modern) {
		/* §4.1.4.8: a 32-bit page number reaches the first 16 TiB only */
		if (addr->desc >> VIRTIO_PCI_LEGACY_PFN_SHIFT > 0xFFFFFFFFull ||
		    addr->desc & (VIRTIO_PCI_LEGACY_QUEUE_ALIGN - 1)) {
			VS_ERR(vp->plat, "virtio-pci: queue %u at %llx unreachable "
			       "for a legacy device", index,
			       (unsigned long long)addr->desc);
			return VS_E_DEVICE;
		}
		vp_region_write(vp, &vp->legacy, VIRTIO_PCI_LEGACY_QUEUE_SELECT, 2, index);
		return vp_region_write(vp, &vp->legacy, VIRTIO_PCI_LEGACY_QUEUE_PFN, 4,
				addr->desc >> VIRTIO_PCI_LEGACY_PFN_SHIFT);
	}
	vp_region_write(vp, c, VIRTIO_PCI_COMMON_Q_SELECT, 2, index);
	vp_region_write(vp, c, VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	vp_write64(vp, VIRTIO_PCI_COMMON_Q_DESC, addr->desc);
	vp_write64(vp, VIRTIO_PCI_COMMON_Q_AVAIL, addr->avail);
	vp_write64(vp, VIRTIO_PCI_COMMON_Q_USED, addr->used);
	*notify_off = (uint16_t)vp_region_read(vp, c, VIRTIO_PCI_COMMON_Q_NOFF, 2);
	/* §4.1.4.4: the notify address must lie inside the notify window */
	if ((uint64_t)*notify_off * vp->notify_mult + 2 > vp->notify.length) {
		VS_ERR(vp->plat, "virtio-pci: queue %u notify offset %u out of range",
		       index, *notify_off);
		return VS_E_DEVICE;
	}
	return vp_region_write(vp, c, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
}

/**
 * Tell the device a queue has new buffers (§4.1.5.2).
 * @v vp	device
 * @v index	queue index
 * @v notify_off	from vp_queue_enable
 */
void vp_notify(struct vp_dev *vp, uint16_t index, uint32_t notify_off)
{
	if (vp->modern)
		vp_region_write(vp, &vp->notify, notify_off * vp->notify_mult, 2, index);
	else
		vp_region_write(vp, &vp->legacy, VIRTIO_PCI_LEGACY_QUEUE_NOTIFY, 2, index);
}
