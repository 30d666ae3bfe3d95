/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Discovery (scsi_scan.c): what each target says about its LUNs, REPORT
 * LUNS (SPC-4 §6.33) or candidates to probe.  What the answers mean for
 * the adapter's unit list is the inventory's business.
 */
#ifndef VSCSI_SCSI_SCAN_H
#define VSCSI_SCSI_SCAN_H

#include "vscsi/virtio_scsi.h"

/** Most LUNs one REPORT LUNS may list that a scan uses per target. */
#define SCSI_SCAN_MAX_LUNS 256
/** LUNs probed with INQUIRY when a target lacks REPORT LUNS. */
#define SCSI_SCAN_PROBE_LUNS 8

/** What one target says about its LUNs (scsi_report_luns). */
struct scsi_target_luns {
	uint8_t target;
	/**
	 * VS_OK: luns[] is valid (with probed: candidates, when REPORT LUNS
	 * failed otherwise); VS_E_NOTARGET: no such target; VS_E_TIMEOUT
	 * (scsi_report_luns only): the adapter stopped answering
	 */
	int rc;
	/** luns[] holds every LUN the target has: one not in it is gone */
	bool complete;
	/** no REPORT LUNS: luns[] are candidates, each to be probed */
	bool probed;
	unsigned count;
	uint16_t luns[SCSI_SCAN_MAX_LUNS];	/**< in the order reported */
};

/** Called by scsi_scan_targets once per target. */
typedef void (*scsi_target_fn)(void *ctx, const struct scsi_target_luns *r);

int scsi_report_luns(struct vscsi_ctrl *c, uint8_t target,
		     struct scsi_target_luns *r);
int scsi_scan_targets(struct vscsi_ctrl *c, uint32_t first, uint32_t last,
		      scsi_target_fn fn, void *ctx);

#endif /* VSCSI_SCSI_SCAN_H */
