/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Discovery of logical units: REPORT LUNS on LUN 0 of each target
 * (SPC-4 §6.33), falling back to a few candidate LUNs, and the standard
 * INQUIRY (SPC-4 §6.6) that confirms a unit.  Absent targets answer
 * BAD_TARGET at once, so they cost one request each.  What the units
 * found mean for the adapter's unit list is scsi_inventory.c's business.
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
 * @v buf	parameter data
 * @v len	bytes the device returned
 * @v r		target report to fill (target set): luns, count, complete
 * @ret rc	VS_OK, or VS_E_DEVICE for data shorter than its header
 */
static int scsi_parse_luns(struct vscsi_ctrl *c, const uint8_t *buf,
			   uint32_t len, struct scsi_target_luns *r)
{
	uint32_t listed, avail, i;
	int lun;

	r->count = 0;
	r->complete = false;
	if (len < SCSI_REPORT_LUNS_HEADER) {
		VS_ERR(c->plat, "scsi %u: REPORT LUNS returned %u bytes",
		       r->target, len);
		return VS_E_DEVICE;
	}
	/* The list may be longer than what we asked for: use what arrived */
	listed = get_be32(buf) / SCSI_REPORT_LUNS_ENTRY;
	avail = (len - SCSI_REPORT_LUNS_HEADER) / SCSI_REPORT_LUNS_ENTRY;
	if (avail > SCSI_SCAN_MAX_LUNS)
		avail = SCSI_SCAN_MAX_LUNS;
	if (listed < avail)
		avail = listed;
	r->complete = listed == avail;
	if (!r->complete)
		VS_INFO(c->plat, "scsi %u: %u LUNs reported, using %u", r->target,
			listed, avail);
	for (i = 0; i < avail; i++) {
		lun = scsi_decode_lun(buf + SCSI_REPORT_LUNS_HEADER +
				      i * SCSI_REPORT_LUNS_ENTRY);
		if (lun < 0 || (uint32_t)lun > c->max_lun)
			continue;
		r->luns[r->count++] = lun;
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
 * Ask one target for its LUN list, on the slow path (REPORT LUNS under
 * the retry policy); a target without REPORT LUNS gets the first
 * SCSI_SCAN_PROBE_LUNS LUNs as candidates to probe.
 * @v c		adapter
 * @v r		report to fill (target set)
 */
static void scsi_report_luns_slow(struct vscsi_ctrl *c,
				  struct scsi_target_luns *r)
{
	struct scsi_rl_req req;
	unsigned i, n;

	scsi_rl_frame(&req, r->target);
	r->rc = scsi_command(c, &req.cmd);
	if (r->rc == VS_OK)
		r->rc = scsi_parse_luns(c, req.buf, req.cmd.in_done, r);
	if (r->rc == VS_OK || r->rc == VS_E_NOTARGET || r->rc == VS_E_TIMEOUT)
		return;
	/* No REPORT LUNS (or no usable answer): probe the first few LUNs */
	n = c->max_lun + 1 < SCSI_SCAN_PROBE_LUNS ? c->max_lun + 1 :
	    SCSI_SCAN_PROBE_LUNS;
	for (i = 0; i < n; i++)
		r->luns[i] = i;
	r->count = n;
	r->probed = true;
	r->complete = false;
	r->rc = VS_OK;
}

/**
 * Ask one target for its LUN list.
 * @v c		adapter
 * @v target	target (the command goes to its LUN 0)
 * @v r		report to fill
 * @ret rc	VS_OK (r->luns valid), VS_E_NOTARGET for an absent target,
 *		VS_E_TIMEOUT, or another command error
 */
int scsi_report_luns(struct vscsi_ctrl *c, uint8_t target,
		     struct scsi_target_luns *r)
{
	vs_memset(r, 0, sizeof(*r));
	r->target = target;
	scsi_report_luns_slow(c, r);
	return r->rc;
}

/**
 * Ask every target in a range for its LUN list.  REPORT LUNS goes to a
 * batch of targets at once (one request slot each, one notification), so
 * the many absent targets answer BAD_TARGET together; a target whose
 * answer is not a plain list is asked again on the slow path.  No unit is
 * confirmed here: that is the caller's INQUIRY.
 * @v c		adapter
 * @v first	first target
 * @v last	last target (at most max_target)
 * @v fn	called once per target, in order, with what it said
 * @v ctx	passed to fn
 * @ret rc	VS_OK, or VS_E_TIMEOUT when the adapter stopped answering
 *		(the targets not reached get no call)
 */
int scsi_scan_targets(struct vscsi_ctrl *c, uint32_t first, uint32_t last,
		      scsi_target_fn fn, void *ctx)
{
	struct scsi_rl_req req[VSCSI_REQ_SLOTS];
	struct scsi_target_luns report;
	unsigned nslots = c->reqq.slots < VSCSI_REQ_SLOTS ? c->reqq.slots :
			  VSCSI_REQ_SLOTS, n, i;
	int slot[VSCSI_REQ_SLOTS];
	int rc;

	if (last > c->max_target)
		last = c->max_target;
	for (; first <= last; first += n) {
		n = last + 1 - first < nslots ? last + 1 - first : nslots;
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
			vs_memset(&report, 0, sizeof(report));
			report.target = first + i;
			report.rc = req[i].rc;
			if (report.rc == VS_OK)
				report.rc = scsi_parse_luns(c, req[i].buf,
							    req[i].cmd.in_done,
							    &report);
			if (report.rc != VS_OK && report.rc != VS_E_NOTARGET &&
			    report.rc != VS_E_TIMEOUT)
				scsi_report_luns_slow(c, &report);
			if (report.rc == VS_E_TIMEOUT)
				return VS_E_TIMEOUT;
			fn(ctx, &report);
		}
	}
	return VS_OK;
}
