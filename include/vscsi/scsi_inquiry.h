/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The standard INQUIRY (scsi_inquiry.c, SPC-4 §6.6): whether a logical
 * unit is there, and what it is.  The scan confirms units with it; a disk
 * checks its unit with it.
 */
#ifndef VSCSI_SCSI_INQUIRY_H
#define VSCSI_SCSI_INQUIRY_H

#include "spec/scsi.h"
#include "vscsi/virtio_scsi.h"

/** A logical unit as INQUIRY describes it. */
struct scsi_lun_info {
	uint8_t target;
	uint16_t lun;
	uint8_t pdt;		/**< peripheral device type */
	bool removable;
	uint8_t inquiry[SCSI_INQUIRY_STD_LEN];
};

/** A unit's address. */
struct scsi_addr {
	uint8_t target;
	uint16_t lun;
};

int scsi_inquiry(struct vscsi_ctrl *c, uint8_t target, uint16_t lun,
		 struct scsi_lun_info *info);
void scsi_inquiry_batch(struct vscsi_ctrl *c, const struct scsi_addr *addr,
			unsigned n, struct scsi_lun_info *info, int *rc);

#endif /* VSCSI_SCSI_INQUIRY_H */
