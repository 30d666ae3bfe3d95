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
 * Take the LUNs we can address from REPORT LUNS data.
 * @v c		adapter
 * @v target	target (for the log)
 * @v buf	parameter data
 * @v len	bytes the device returned
 * @v luns	array for the LUNs, in the order reported
 * @v max	its size
 * @ret count	LUNs stored
 * @ret rc	VS_OK, or VS_E_DEVICE for data shorter than its header
 */
static int scsi_parse_luns(struct vscsi_ctrl *c, uint8_t target,
			   const uint8_t *buf, uint32_t len, uint16_t *luns,
			   unsigned max, unsigned *count)
{
	uint32_t list_len, avail, i;
	int lun;

	*count = 0;
	if (len < SCSI_REPORT_LUNS_HEADER)
		return VS_E_DEVICE;
	/* The list may be longer than what we asked for: use what arrived */
	list_len = get_be32(buf);
	avail = (len - SCSI_REPORT_LUNS_HEADER) / SCSI_REPORT_LUNS_ENTRY;
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

/** REPORT LUNS for one target, as a command ready to send. */
struct scsi_rl_req {
	struct vscsi_cmd cmd;
	uint8_t cdb[12];
	uint8_t sense[VSCSI_SENSE_MAX];
	uint8_t buf[SCSI_REPORT_LUNS_HEADER +
		    SCSI_SCAN_MAX_LUNS * SCSI_REPORT_LUNS_ENTRY];
	int rc;
};

/** Frame REPORT LUNS (SPC-4 §6.33) to LUN 0 of @p target. */
static void scsi_rl_frame(struct scsi_rl_req *r, uint8_t target)
{
	vs_memset(&r->cmd, 0, sizeof(r->cmd));
	vs_memset(r->cdb, 0, sizeof(r->cdb));
	r->cdb[0] = SCSI_OP_REPORT_LUNS;
	put_be32(r->cdb + 6, sizeof(r->buf));
	r->cmd.target = target;
	r->cmd.cdb = r->cdb;
	r->cmd.cdb_len = sizeof(r->cdb);
	r->cmd.data_in = r->buf;
	r->cmd.in_len = sizeof(r->buf);
	r->cmd.sense = r->sense;
	r->cmd.sense_cap = sizeof(r->sense);
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
	struct scsi_rl_req r;
	int rc;

	*count = 0;
	scsi_rl_frame(&r, target);
	rc = scsi_command(c, &r.cmd);
	if (rc != VS_OK)
		return rc;
	return scsi_parse_luns(c, target, r.buf, r.cmd.in_done, luns, max, count);
}

/**
 * Confirm LUNs with INQUIRY and report the units found.
 * @v c		adapter
 * @v target	target
 * @v luns	LUNs
 * @v count	how many
 * @v fn	called for each unit
 * @v ctx	passed to fn
 * @ret rc	VS_OK, or VS_E_TIMEOUT when the adapter stopped answering
 */
static int scsi_probe_luns(struct vscsi_ctrl *c, uint8_t target,
			   const uint16_t *luns, unsigned count,
			   scsi_scan_fn fn, void *ctx)
{
	struct scsi_lun_info info;
	unsigned i;
	int rc;

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
 * Find the logical units of one target, on the slow path: REPORT LUNS
 * under the retry policy, or INQUIRY probes when it has none.
 * @v c		adapter
 * @v target	target
 * @v fn	called for each unit
 * @v ctx	passed to fn
 * @ret rc	VS_OK (also for an absent target) or VS_E_TIMEOUT
 */
static int scsi_scan_target(struct vscsi_ctrl *c, uint8_t target,
			    scsi_scan_fn fn, void *ctx)
{
	uint16_t luns[SCSI_SCAN_MAX_LUNS];
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
	return scsi_probe_luns(c, target, luns, count, fn, ctx);
}

/**
 * Find every logical unit behind the adapter.  REPORT LUNS goes to a
 * batch of targets at once (one request slot each, one notification), so
 * the many absent targets answer BAD_TARGET together; a target whose
 * answer is not a plain list is scanned again on the slow path.
 * @v c		adapter
 * @v fn	called for each unit, in (target, LUN) order of the reports
 * @v ctx	passed to fn
 * @ret rc	VS_OK, or the error that stopped the scan
 */
int scsi_scan(struct vscsi_ctrl *c, scsi_scan_fn fn, void *ctx)
{
	struct scsi_rl_req req[VSCSI_REQ_SLOTS];
	uint16_t luns[SCSI_SCAN_MAX_LUNS];
	unsigned nslots = c->reqq.slots < VSCSI_REQ_SLOTS ? c->reqq.slots :
			  VSCSI_REQ_SLOTS, n, i, count;
	int slot[VSCSI_REQ_SLOTS];
	uint32_t first;
	int rc;

	for (first = 0; first <= c->max_target; first += n) {
		n = c->max_target + 1 - first < nslots ? c->max_target + 1 - first :
		    nslots;
		for (i = 0; i < n; i++) {
			scsi_rl_frame(&req[i], first + i);
			slot[i] = vscsi_submit(c, &req[i].cmd);
		}
		vscsi_kick(c);
		for (i = 0; i < n; i++) {
			rc = slot[i] < 0 ? slot[i] : vscsi_complete(c, slot[i]);
			req[i].rc = rc == VS_OK ? scsi_classify(c, &req[i].cmd) : rc;
		}
		for (i = 0; i < n; i++) {
			rc = req[i].rc;
			if (rc == VS_OK)
				rc = scsi_parse_luns(c, first + i, req[i].buf,
						     req[i].cmd.in_done, luns,
						     SCSI_SCAN_MAX_LUNS, &count);
			if (rc == VS_OK)
				rc = scsi_probe_luns(c, first + i, luns, count, fn, ctx);
			else if (rc == VS_E_NOTARGET)
				rc = VS_OK;
			else if (rc != VS_E_TIMEOUT)
				rc = scsi_scan_target(c, first + i, fn, ctx);
			if (rc == VS_E_TIMEOUT)
				return rc;
		}
	}
	return VS_OK;
}
