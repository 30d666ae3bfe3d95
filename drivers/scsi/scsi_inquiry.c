/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The standard INQUIRY (SPC-4 §6.6): whether a logical unit is connected
 * at an address, and what it is.  Its data is checked before it is
 * believed.
 */
#include "vscsi/scsi_engine.h"
#include "vscsi/scsi_inquiry.h"

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
	uint8_t cdb[6] = { SCSI_OP_INQUIRY, 0, 0, 0, SCSI_INQUIRY_STD_LEN, 0 };
	struct vscsi_cmd cmd = {
		.target = target, .lun = lun, .cdb = cdb, .cdb_len = sizeof(cdb),
		.data_in = info->inquiry, .in_len = sizeof(info->inquiry),
	};
	int rc;

	vs_memset(info, 0, sizeof(*info));
	rc = scsi_command(c, &cmd, NULL);
	/* A unit that refuses INQUIRY is no unit we can use */
	if (rc == VS_E_UNSUPPORTED || rc == VS_E_NOMEDIA)
		return VS_E_NOTARGET;
	if (rc != VS_OK)
		return rc;
	/* SPC-4 §6.6.2: at least the header up to ADDITIONAL LENGTH */
	if (cmd.in_done < 5) {
		VS_ERR(c->plat, "scsi %u:%u: INQUIRY returned %u bytes", target,
		       lun, cmd.in_done);
		return VS_E_DEVICE;
	}
	/* Qualifier 0 is the only "a unit is connected here" */
	if (SCSI_INQ_PQ(info->inquiry[0]) != 0 ||
	    SCSI_INQ_PDT(info->inquiry[0]) == SCSI_PDT_NONE)
		return VS_E_NOTARGET;
	info->target = target;
	info->lun = lun;
	info->pdt = SCSI_INQ_PDT(info->inquiry[0]);
	info->removable = info->inquiry[1] & SCSI_INQ_RMB;
	return VS_OK;
}
