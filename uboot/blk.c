/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * One U-Boot block device per unit of the inventory, of interface type
 * SCSI (so `scsi`, `ls scsi 0:1`, `load`, bootstd and U-Boot's UEFI find
 * them), reading and writing through the core's disk layer.
 *
 * A block device names its unit by address (target, LUN in its
 * descriptor) and finds it again at each request: a unit that left (an
 * event, or the device answering that it is gone) gives an error on its
 * own device and on no other.
 */
#include <common.h>
#include <blk.h>
#include <dm.h>
#include <dm/device-internal.h>
#include <part.h>
#include <scsi.h>
#include "ctrl.h"

/** Copy an INQUIRY string field, trailing blanks dropped. */
static void vscsi_blk_ident(char *dst, const uint8_t *src, unsigned len)
{
	while (len && (src[len - 1] == ' ' || src[len - 1] == 0))
		len--;
	memcpy(dst, src, len);
	dst[len] = 0;
}

/** A unit's block size, as its block device shows it (no medium: 512). */
static unsigned vscsi_blk_size(const struct scsi_unit *u)
{
	return u->disk.block_size ? u->disk.block_size : 512;
}

/** A unit's block count, as its block device shows it (no medium: 0). */
static lbaint_t vscsi_blk_count(const struct scsi_unit *u)
{
	return u->disk.present ? u->disk.last_lba + 1 : 0;
}

/** Show a unit's geometry again on its block device (a medium changed). */
static void vscsi_blk_geometry(struct scsi_unit *u, struct blk_desc *desc)
{
	desc->blksz = vscsi_blk_size(u);
	desc->log2blksz = LOG2(desc->blksz);
	desc->lba = vscsi_blk_count(u);
}

/**
 * Bind and probe the block device of a listed unit that has none.
 * @v ctrl	the controller
 * @v u		the unit
 * @ret err	0, or a negative errno
 */
int vscsi_blk_bind(struct udevice *ctrl, struct scsi_unit *u)
{
	struct vscsi_ub *v = dev_get_priv(ctrl);
	struct blk_desc *desc;
	struct udevice *bdev;
	char name[20];
	int err;

	if (u->owner || !u->has_disk)
		return 0;
	snprintf(name, sizeof(name), "id%ulun%u", u->info.target, u->info.lun);
	err = blk_create_devicef(ctrl, VSCSI_BLK_DRV_NAME, name, UCLASS_SCSI, -1,
				 vscsi_blk_size(u), vscsi_blk_count(u), &bdev);
	if (err)
		return err;
	desc = dev_get_uclass_plat(bdev);
	desc->target = u->info.target;
	desc->lun = u->info.lun;
	desc->type = u->info.pdt;
	desc->removable = u->info.removable;
	vscsi_blk_ident(desc->vendor, u->info.inquiry + 8, 8);
	vscsi_blk_ident(desc->product, u->info.inquiry + 16, 16);
	vscsi_blk_ident(desc->revision, u->info.inquiry + 32, 4);
	u->disk.timeout_us = v->timeout_us;
	u->owner = bdev;
	err = blk_probe_or_unbind(bdev);
	if (err) {
		u->owner = NULL;
		return err;
	}
	printf("  Device %d: ", desc->devnum);
	dev_print(desc);
	return 0;
}

/**
 * Bind a block device for every listed unit without one (after a scan:
 * U-Boot's `scsi scan` unbound them all first).
 * @v ctrl	the controller
 */
void vscsi_blk_bind_all(struct udevice *ctrl)
{
	struct vscsi_ub *v = dev_get_priv(ctrl);
	unsigned i;
	int err;

	for (i = 0; i < scsi_inv_count(&v->inv); i++) {
		struct scsi_unit *u = scsi_inv_at(&v->inv, i);

		err = vscsi_blk_bind(ctrl, u);
		if (err)
			VS_ERR(&v->up.plat, "scsi %u:%u: no block device (%d)",
			       u->info.target, u->info.lun, err);
	}
}

/**
 * The unit of a block device, after taking the controller's events; its
 * medium checked again when a unit attention said it changed.
 * @v dev	block device
 * @v vp	its controller
 * @ret u	the unit, or NULL when it is gone (logged)
 */
static struct scsi_unit *vscsi_blk_unit(struct udevice *dev,
					struct vscsi_ub **vp)
{
	struct vscsi_ub *v = dev_get_priv(dev->parent);
	struct blk_desc *desc = dev_get_uclass_plat(dev);
	struct scsi_unit *u;

	*vp = v;
	scsi_inv_poll(&v->inv);
	u = scsi_inv_find(&v->inv, desc->target, desc->lun);
	if (!u || u->owner != dev || !u->has_disk) {
		VS_ERR(&v->up.plat, "scsi %u:%u: the unit is gone", desc->target,
		       desc->lun);
		return NULL;
	}
	if (u->disk.events) {
		scsi_inv_check_media(&v->inv, u);
		vscsi_blk_geometry(u, desc);
	}
	return u;
}

/**
 * Read or write blocks of a unit.  A write is flushed before it returns:
 * a boot loader may hand over to an OS at any moment, with nothing of it
 * left in the device's cache.
 * @v dev	block device
 * @v start	first block
 * @v blkcnt	blocks
 * @v buffer	data
 * @v write	write (else read)
 * @ret n	blkcnt, or a negative errno
 */
static ulong vscsi_blk_rw(struct udevice *dev, lbaint_t start, lbaint_t blkcnt,
			  void *buffer, bool write)
{
	struct vscsi_ub *v;
	struct scsi_unit *u = vscsi_blk_unit(dev, &v);
	int rc;

	if (!u)
		return -ENODEV;
	if (write) {
		rc = scsi_disk_write(&u->disk, start, blkcnt, buffer);
		if (rc == VS_OK)
			rc = scsi_disk_flush(&u->disk);
	} else {
		rc = scsi_disk_read(&u->disk, start, blkcnt, buffer);
	}
	if (rc != VS_OK) {
		VS_ERR(&v->up.plat, "scsi %u:%u: %s of %lu blocks at %lu: %d",
		       u->info.target, u->info.lun, write ? "write" : "read",
		       (unsigned long)blkcnt, (unsigned long)start, rc);
		return ub_errno(rc);
	}
	return blkcnt;
}

static ulong vscsi_blk_read(struct udevice *dev, lbaint_t start,
			    lbaint_t blkcnt, void *buffer)
{
	return vscsi_blk_rw(dev, start, blkcnt, buffer, false);
}

static ulong vscsi_blk_write(struct udevice *dev, lbaint_t start,
			     lbaint_t blkcnt, const void *buffer)
{
	return vscsi_blk_rw(dev, start, blkcnt, (void *)buffer, true);
}

/** The block device goes (U-Boot's `scsi scan` unbinds them all). */
static int vscsi_blk_unbind(struct udevice *dev)
{
	struct vscsi_ub *v = dev_get_priv(dev->parent);
	struct blk_desc *desc = dev_get_uclass_plat(dev);
	struct scsi_unit *u = scsi_inv_find(&v->inv, desc->target, desc->lun);

	if (u && u->owner == dev)
		u->owner = NULL;
	return 0;
}

static const struct blk_ops vscsi_blk_ops = {
	.read = vscsi_blk_read,
	.write = vscsi_blk_write,
};

U_BOOT_DRIVER(virtio_scsi_blk) = {
	.name = VSCSI_BLK_DRV_NAME,
	.id = UCLASS_BLK,
	.ops = &vscsi_blk_ops,
	.unbind = vscsi_blk_unbind,
};
