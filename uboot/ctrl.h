/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * One virtio-scsi controller in U-Boot: the driver's private data, shared
 * by the driver (driver.c) and its block devices (blk.c).
 */
#ifndef VSCSI_UBOOT_CTRL_H
#define VSCSI_UBOOT_CTRL_H

#include "vscsi/virtio_scsi.h"
#include "vscsi/scsi_inventory.h"
#include "vscsi_uboot.h"

/** Name of the driver: U-Boot's virtio uclass binds it by VIRTIO_SCSI_DRV_NAME
 * of its virtio.h (uboot/u-boot.patch), which this file cannot include. */
#define VSCSI_UB_DRV_NAME "virtio-scsi"
/** Name of the block device driver of a unit. */
#define VSCSI_BLK_DRV_NAME "virtio_scsi_blk"
/** Deadline of a read or write when vscsi_timeout (ms) is not set. */
#define VSCSI_UB_TIMEOUT_MS 30000

/** A controller: the driver's private data (UCLASS_SCSI). */
struct vscsi_ub {
	struct ub_platform up;
	struct ub_transport ut;
	struct vscsi_ctrl c;
	struct scsi_inventory inv;
	/** the scan binds block devices: units found otherwise (a hot-plug
	 * event met during a read) wait for the next scan */
	bool scanning;
	uint64_t timeout_us;	/**< of each read or write (vscsi_timeout) */
};

int vscsi_blk_bind(struct udevice *ctrl, struct scsi_unit *u);
void vscsi_blk_bind_all(struct udevice *ctrl);

#endif /* VSCSI_UBOOT_CTRL_H */
