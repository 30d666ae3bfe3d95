/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The standard INQUIRY (SPC-4 §6.6): whether a logical unit is connected
 * at an address, and what it is, for one address or a batch of them.  Its
 * data is checked before it is believed.
 */
#include "vscsi/scsi_engine.h"
#include "vscsi/scsi_inquiry.h"

/** INQUIRY of many addresses, as a batch (scsi_engine.c). */
struct scsi_inq_batch {
	struct vscsi_ctrl *c;
	const struct scsi_addr *addr;
	struct scsi_lun_info *info;
	int *rc;
};

/** Batch callback: a standard INQUIRY to one address. */
static void scsi_inq_frame(void *ctx, unsigned i, struct vscsi_cmd *cmd)
{
	struct scsi_inq_batch *b = ctx;
	uint8_t *cdb = (uint8_t *)cmd->cdb;

	cmd->target = b->addr[i].target;
	cmd->lun = b->addr[i].lun;
	cdb[0] = SCSI_OP_INQUIRY;
	cdb[4] = SCSI_INQUIRY_STD_LEN;
	cmd->cdb_len = 6;
	cmd->in_len = SCSI_INQUIRY_STD_LEN;
}

/**
 * Check an INQUIRY's answer and describe the unit (SPC-4 §6.6.2).
 * @v c		adapter (for the log)
 * @v rc	the command's outcome
 * @v cmd	the command, with its data
 * @v info	unit description to fill
 * @ret rc	VS_OK, VS_E_NOTARGET when no unit is there, VS_E_DEVICE for
 *		malformed data, or a command error
 */
static int scsi_inq_check(struct vscsi_ctrl *c, int rc,
			  const struct vscsi_cmd *cmd, struct scsi_lun_info *info)
{
	vs_memset(info, 0, sizeof(*info));
	/* A unit that refuses INQUIRY is no unit we can use */
	if (rc == VS_E_UNSUPPORTED || rc == VS_E_NOMEDIA)
		return VS_E_NOTARGET;
	if (rc != VS_OK)
		return rc;
	/* at least the header up to ADDITIONAL LENGTH */
	if (cmd->in_done < 5) {
		VS_ERR(c->plat, "scsi %u:%u: INQUIRY returned %u bytes",
		       cmd->target, cmd->lun, cmd->in_done);
		return VS_E_DEVICE;
	}
	vs_memcpy(info->inquiry, cmd->data_in, cmd->in_done);
	/* Qualifier 0 is the only "a unit is connected here" */
	if (SCSI_INQ_PQ(info->inquiry[0]) != 0 ||
	    SCSI_INQ_PDT(info->inquiry[0]) == SCSI_PDT_NONE)
		return VS_E_NOTARGET;
	info->target = cmd->target;
	info->lun = cmd->lun;
	info->pdt = SCSI_INQ_PDT(info->inquiry[0]);
	info->removable = info->inquiry[1] & SCSI_INQ_RMB;
	return VS_OK;
}

/** Batch callback: check one answer. */
static bool scsi_inq_take(void *ctx, unsigned i, int rc,
			  const struct vscsi_cmd *cmd, unsigned events)
{
	struct scsi_inq_batch *b = ctx;

	(void)events;
	b->rc[i] = scsi_inq_check(b->c, rc, cmd, &b->info[i]);
	return true;
}

static const struct scsi_batch_ops scsi_inq_ops = {
	.frame = scsi_inq_frame,
	.take = scsi_inq_take,
};

/**
 * Ask many addresses whether a unit is there, as one batch: as many
 * INQUIRYs in flight as the queue allows.
 * @v c		adapter
 * @v addr	the addresses
 * @v n		how many
 * @ret info	each unit's description
 * @ret rc	each address's outcome, as scsi_inquiry's
 */
void scsi_inquiry_batch(struct vscsi_ctrl *c, const struct scsi_addr *addr,
			unsigned n, struct scsi_lun_info *info, int *rc)
{
	struct scsi_inq_batch b = { c, addr, info, rc };

	scsi_batch_run(c, n, &scsi_inq_ops, &b);
}

/**
 * Send a standard INQUIRY and check the unit is there.
 * @v c		adapter
 * @v target	target
 * @v lun	LUN
 * @ret info	unit description
 * @ret rc	VS_OK, VS_E_NOTARGET when no unit is there, VS_E_DEVICE for
 *		malformed data, or a command error
 */
int scsi_inquiry(struct vscsi_ctrl *c, uint8_t target, uint16_t lun,
		 struct scsi_lun_info *info)
{
	struct scsi_addr addr = { target, lun };
	int rc;

	scsi_inquiry_batch(c, &addr, 1, info, &rc);
	return rc;
}
