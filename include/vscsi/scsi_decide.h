/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The decision table (scsi_decide.c): what a completed command's virtio
 * response, SCSI status and sense data mean, and which unit attentions
 * it reported.
 */
#ifndef VSCSI_SCSI_DECIDE_H
#define VSCSI_SCSI_DECIDE_H

#include "spec/scsi.h"
#include "vscsi/virtio_scsi.h"

/**
 * Unit attentions that mean the owner of a unit must look again: bits
 * OR-ed together over every command that reported one (SPC-4 §6.36
 * additional sense codes).
 */
#define SCSI_EV_MEDIUM_CHANGED 0x1	/* ASC 28h: not ready to ready change */
#define SCSI_EV_CAPACITY_CHANGED 0x2	/* ASC 2Ah/09h */
#define SCSI_EV_LUNS_CHANGED 0x4	/* ASC 3Fh/0Eh */
#define SCSI_EV_RESET 0x8		/* ASC 29h: power on, reset */

int scsi_decide(struct vscsi_ctrl *c, const struct vscsi_cmd *cmd,
		unsigned *events);
unsigned scsi_ua_event(uint16_t unit_attention);

#endif /* VSCSI_SCSI_DECIDE_H */
