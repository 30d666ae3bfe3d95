/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The virtio-scsi driver of U-Boot: a child of U-Boot's virtio transport
 * device for device ID 8 (virtio 1.2 §5.6), in U-Boot's SCSI uclass.
 *
 * U-Boot's `scsi scan` unbinds every SCSI block device, then sends an
 * INQUIRY to each address of each SCSI controller's grid (max_id x
 * max_lun).  This controller's grid is the one address 0:0: its INQUIRY
 * is where the driver runs the core's own scan (REPORT LUNS per target,
 * never a probe of 256 x 16384 addresses) and binds a block device per
 * unit (blk.c); it answers that INQUIRY "no device", so U-Boot's generic
 * code binds nothing twice.  Any other command is passed to the unit.
 */
#include <common.h>
#include <dm.h>
#include <env.h>
#include <scsi.h>
#include "spec/scsi.h"
#include "ctrl.h"

/**
 * A unit left (an event met during a read, or a rescan).  Units that come
 * get their block devices at the next scan (blk.c), never under a read.
 * @v inv	inventory
 * @v u		the unit
 */
static void vscsi_ub_removed(struct scsi_inventory *inv, struct scsi_unit *u)
{
	/* its block device finds it no more, by address: nothing holds it */
	scsi_inv_release(inv, u);
}

static const struct scsi_inventory_ops vscsi_ub_inv_ops = {
	.removed = vscsi_ub_removed,
};

/**
 * Scan: find the units (the core's inventory, REPORT LUNS per target)
 * and bind a block device for each.
 * @v dev	the controller
 */
static void vscsi_ub_scan(struct udevice *dev)
{
	struct vscsi_ub *v = dev_get_priv(dev);
	int rc;

	ub_platform_log_level(&v->up);
	v->timeout_us = env_get_ulong("vscsi_timeout", 10, VSCSI_UB_TIMEOUT_MS) *
			1000ull;
	rc = scsi_inv_scan(&v->inv);
	if (rc != VS_OK)
		VS_ERR(&v->up.plat, "virtio-scsi: scan failed (%d)", rc);
	vscsi_blk_bind_all(dev);
}

/**
 * Carry one of U-Boot's SCSI commands to a unit, as it is (no retries).
 * @v v		controller
 * @v pccb	command; its status, sense and byte count are filled
 * @ret err	0 for GOOD status, -EIO otherwise, -ENODEV for no unit
 */
static int vscsi_ub_pass(struct vscsi_ub *v, struct scsi_cmd *pccb)
{
	bool in = pccb->dma_dir == DMA_FROM_DEVICE;
	struct vscsi_cmd cmd = {
		.target = pccb->target, .lun = pccb->lun,
		.cdb = pccb->cmd, .cdb_len = pccb->cmdlen,
		.data_in = in ? pccb->pdata : NULL,
		.in_len = in ? pccb->datalen : 0,
		.data_out = in ? NULL : pccb->pdata,
		.out_len = in ? 0 : pccb->datalen,
		.sense = pccb->sense_buf, .sense_cap = sizeof(pccb->sense_buf),
		.timeout_us = v->timeout_us,
	};
	int rc = vscsi_exec(&v->c, &cmd);

	pccb->contr_stat = 0;
	if (rc == VS_OK && cmd.response == VIRTIO_SCSI_S_BAD_TARGET)
		rc = VS_E_NOTARGET;
	if (rc != VS_OK) {
		pccb->contr_stat = rc == VS_E_NOTARGET ? SCSI_SEL_TIME_OUT : 0;
		return ub_errno(rc);
	}
	pccb->status = cmd.status;
	pccb->trans_bytes = in ? cmd.in_done : cmd.out_done;
	return cmd.response == VIRTIO_SCSI_S_OK &&
	       cmd.status == SCSI_STATUS_GOOD ? 0 : -EIO;
}

/**
 * U-Boot's SCSI exec: its scan's INQUIRY of the grid's one address runs
 * our scan (see the file comment), other commands go to the unit.
 */
static int vscsi_ub_exec(struct udevice *dev, struct scsi_cmd *pccb)
{
	struct vscsi_ub *v = dev_get_priv(dev);

	if (pccb->cmd[0] == SCSI_OP_INQUIRY && pccb->target == 0 &&
	    pccb->lun == 0) {
		vscsi_ub_scan(dev);
		pccb->contr_stat = SCSI_SEL_TIME_OUT;
		return -ENODEV;
	}
	return vscsi_ub_pass(v, pccb);
}

/** U-Boot's SCSI bus reset (scsi_bus_reset(); its `scsi reset` command only
 * rescans under DM_SCSI): reset the device and set it up again. */
static int vscsi_ub_bus_reset(struct udevice *dev)
{
	struct vscsi_ub *v = dev_get_priv(dev);

	return ub_errno(vscsi_restart(&v->c));
}

static int vscsi_ub_bind(struct udevice *dev)
{
	ub_transport_bind(dev, VSCSI_FEATURES);
	return 0;
}

/**
 * Start the adapter on U-Boot's transport (features agreed, FEATURES_OK
 * set by U-Boot's uclass): its queues, DRIVER_OK, an empty inventory.
 */
static int vscsi_ub_probe(struct udevice *dev)
{
	struct vscsi_ub *v = dev_get_priv(dev);
	struct scsi_plat *grid = dev_get_uclass_plat(dev);
	int rc;

	ub_platform_init(&v->up, dev);
	rc = ub_transport_open(&v->ut, dev, &v->up.plat, vscsi_queues,
			       VSCSI_QUEUES);
	if (rc == VS_OK)
		rc = vscsi_attach(&v->c, &v->ut.t);
	if (rc != VS_OK) {
		VS_ERR(&v->up.plat, "virtio-scsi: not started (%d)", rc);
		ub_transport_close(&v->ut);
		return ub_errno(rc);
	}
	scsi_inv_init(&v->inv, &v->c, &vscsi_ub_inv_ops, v);
	grid->max_id = 1;
	grid->max_lun = 1;
	grid->max_bytes_per_req = v->c.max_transfer;
	return 0;
}

/** Before the OS starts (or the device goes): reset it, free our memory. */
static int vscsi_ub_remove(struct udevice *dev)
{
	struct vscsi_ub *v = dev_get_priv(dev);

	vscsi_fini(&v->c);
	ub_transport_close(&v->ut);
	return 0;
}

static const struct scsi_ops vscsi_ub_ops = {
	.exec = vscsi_ub_exec,
	.bus_reset = vscsi_ub_bus_reset,
};

U_BOOT_DRIVER(virtio_scsi) = {
	.name = VSCSI_UB_DRV_NAME,
	.id = UCLASS_SCSI,
	.ops = &vscsi_ub_ops,
	.bind = vscsi_ub_bind,
	.probe = vscsi_ub_probe,
	.remove = vscsi_ub_remove,
	.priv_auto = sizeof(struct vscsi_ub),
	.flags = DM_FLAG_ACTIVE_DMA,
};
