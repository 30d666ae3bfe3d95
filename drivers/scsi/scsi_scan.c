/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Discovery of logical units: REPORT LUNS on LUN 0 of each target
 * (SPC-4 §6.33), falling back to INQUIRY probes, each unit confirmed by a
 * standard INQUIRY (SPC-4 §6.6).  Absent targets answer BAD_TARGET at
 * once, so they cost one request each.
 */
#include "vscsi/byteorder.h"
#include "vscsi/scsi_disk.h"

/** SAM-5 §4.7: LUN address method in the two top bits of byte 0. */
#define SCSI_LUN_METHOD_PERIPHERAL 0x00
#define SCSI_LUN_METHOD_FLAT 0x40

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
	rc = scsi_command(c, &cmd);
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

/**
 * Decode one REPORT LUNS entry into a LUN we can address.
 * @v e		8-byte entry
 * @ret lun	LUN 0-16383, or -1 for a format we do not address
 */
static int scsi_decode_lun(const uint8_t *e)
{
	unsigned i;

	/* Only single-level LUNs: bytes 2-7 zero */
	for (i = 2; i < SCSI_REPORT_LUNS_ENTRY; i++)
		if (e[i])
			return -1;
	switch (e[0] & 0xC0) {
	case SCSI_LUN_METHOD_PERIPHERAL:
		return e[0] ? -1 : e[1];	/* bus identifier must be 0 */
	case SCSI_LUN_METHOD_FLAT:
		return ((e[0] & 0x3F) << 8) | e[1];
	default:
		return -1;
	}
}

/**
 * Ask a target for its LUN list.
 * @v c		adapter
 * @v target	target (the command goes to its LUN 0)
 * @v luns	array for the LUNs found, ascending as reported
 * @v max	its size
 * @ret count	LUNs stored
 * @ret rc	VS_OK, VS_E_NOTARGET, VS_E_UNSUPPORTED, or a command error
 */
int scsi_report_luns(struct vscsi_ctrl *c, uint8_t target, uint16_t *luns,
		     unsigned max, unsigned *count)
{
	uint8_t buf[SCSI_REPORT_LUNS_HEADER +
		    SCSI_SCAN_MAX_LUNS * SCSI_REPORT_LUNS_ENTRY];
	uint8_t cdb[12] = { SCSI_OP_REPORT_LUNS };
	struct vscsi_cmd cmd = {
		.target = target, .lun = 0, .cdb = cdb, .cdb_len = sizeof(cdb),
		.data_in = buf, .in_len = sizeof(buf),
	};
	uint32_t list_len, avail, i;
	int rc, lun;

	*count = 0;
	put_be32(cdb + 6, sizeof(buf));
	rc = scsi_command(c, &cmd);
	if (rc != VS_OK)
		return rc;
	if (cmd.in_done < SCSI_REPORT_LUNS_HEADER)
		return VS_E_DEVICE;
	/* The list may be longer than what we asked for: use what arrived */
	list_len = get_be32(buf);
	avail = (cmd.in_done - SCSI_REPORT_LUNS_HEADER) / SCSI_REPORT_LUNS_ENTRY;
	if (list_len / SCSI_REPORT_LUNS_ENTRY < avail)
		avail = list_len / SCSI_REPORT_LUNS_ENTRY;
	if (list_len / SCSI_REPORT_LUNS_ENTRY > avail)
		VS_INFO(c->plat, "scsi %u: %u LUNs reported, using %u", target,
			list_len / SCSI_REPORT_LUNS_ENTRY, avail);
	for (i = 0; i < avail && *count < max; i++) {
		lun = scsi_decode_lun(buf + SCSI_REPORT_LUNS_HEADER +
				      i * SCSI_REPORT_LUNS_ENTRY);
		if (lun < 0 || (uint32_t)lun > c->max_lun)
			continue;
		luns[(*count)++] = lun;
	}
	return VS_OK;
}

/**
 * Find the logical units of one target.
 * @v c		adapter
 * @v target	target
 * @v fn	called for each unit
 * @v ctx	passed to fn
 * @ret rc	VS_OK (also for an absent target) or VS_E_TIMEOUT/VS_E_DEVICE
 *		when the adapter failed
 */
static int scsi_scan_target(struct vscsi_ctrl *c, uint8_t target,
			    scsi_scan_fn fn, void *ctx)
{
	uint16_t luns[SCSI_SCAN_MAX_LUNS];
	struct scsi_lun_info info;
	unsigned count, i;
	int rc;

	rc = scsi_report_luns(c, target, luns, SCSI_SCAN_MAX_LUNS, &count);
	if (rc == VS_E_NOTARGET)
		return VS_OK;
	if (rc == VS_E_TIMEOUT)
		return rc;
	if (rc != VS_OK) {
		/* No REPORT LUNS: probe the first few LUNs one by one */
		count = c->max_lun + 1 < SCSI_SCAN_PROBE_LUNS ?
			c->max_lun + 1 : SCSI_SCAN_PROBE_LUNS;
		for (i = 0; i < count; i++)
			luns[i] = i;
	}
	for (i = 0; i < count; i++) {
		rc = scsi_inquiry(c, target, luns[i], &info);
		if (rc == VS_OK)
			fn(ctx, &info);
		else if (rc == VS_E_TIMEOUT)
			return rc;
	}
	return VS_OK;
}

/**
 * Find every logical unit behind the adapter, target by target.
 * @v c		adapter
 * @v fn	called for each unit
 * @v ctx	passed to fn
 * @ret rc	VS_OK, or the error that stopped the scan
 */
int scsi_scan(struct vscsi_ctrl *c, scsi_scan_fn fn, void *ctx)
{
	uint32_t target;
	int rc;

	for (target = 0; target <= c->max_target; target++) {
		rc = scsi_scan_target(c, target, fn, ctx);
		if (rc != VS_OK)
			return rc;
	}
	return VS_OK;
}
