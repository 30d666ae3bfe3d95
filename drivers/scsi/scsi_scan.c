/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Discovery of logical units: REPORT LUNS on LUN 0 of each target
 * (SPC-4 §6.33), falling back to a few candidate LUNs.  Absent targets
 * answer BAD_TARGET at once, so they cost one request each.  A unit is
 * confirmed by its INQUIRY (scsi_inquiry.c), and what the units found
 * mean for the adapter's unit list is scsi_inventory.c's business.
 */
#include "vscsi/byteorder.h"
#include "vscsi/scsi_engine.h"
#include "vscsi/scsi_scan.h"

/** SAM-5 §4.7: LUN address method in the two top bits of byte 0. */
#define SCSI_LUN_METHOD_PERIPHERAL 0x00
#define SCSI_LUN_METHOD_FLAT 0x40

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

/**
 * LUNs a batched REPORT LUNS asks for: most targets have few, and a
 * batch keeps one buffer per slot; a target with more is asked again
 * alone, for up to SCSI_SCAN_MAX_LUNS.
 */
#define SCSI_SCAN_BATCH_LUNS 16

/** REPORT LUNS for one target, as a request of a scan. */
struct scsi_rl_rec {
	struct scsi_req req;
	struct vscsi_cmd cmd;
	uint8_t cdb[12];
	uint8_t sense[VSCSI_SENSE_MAX];
	uint8_t *buf;		/**< parameter data (the record's own) */
	uint32_t buf_len;	/**< its size */
};

/** A batch's record, with its short buffer. */
struct scsi_rl_rec_short {
	struct scsi_rl_rec rec;
	uint8_t buf[SCSI_REPORT_LUNS_HEADER +
		    SCSI_SCAN_BATCH_LUNS * SCSI_REPORT_LUNS_ENTRY];
};

/** A single target's record, with room for SCSI_SCAN_MAX_LUNS. */
struct scsi_rl_rec_long {
	struct scsi_rl_rec rec;
	uint8_t buf[SCSI_REPORT_LUNS_HEADER +
		    SCSI_SCAN_MAX_LUNS * SCSI_REPORT_LUNS_ENTRY];
};

/** A scan of some targets: one REPORT LUNS each (scsi_engine.c). */
struct scsi_rl_scan {
	uint32_t first, last;	/**< targets */
};

/** Transfer callback: REPORT LUNS (SPC-4 §6.33) to LUN 0 of a target. */
static bool scsi_rl_frame(struct scsi_xfer *x, struct scsi_req *r, uint64_t at)
{
	struct scsi_rl_scan *scan = x->ctx;
	struct scsi_rl_rec *rec = vs_container_of(r, struct scsi_rl_rec, req);

	if (scan->first + at > scan->last)
		return false;
	vs_memset(&rec->cmd, 0, sizeof(rec->cmd));
	vs_memset(rec->cdb, 0, sizeof(rec->cdb));
	rec->cdb[0] = SCSI_OP_REPORT_LUNS;
	put_be32(rec->cdb + 6, rec->buf_len);
	rec->cmd.target = scan->first + at;
	rec->cmd.cdb = rec->cdb;
	rec->cmd.cdb_len = sizeof(rec->cdb);
	rec->cmd.data_in = rec->buf;
	rec->cmd.in_len = rec->buf_len;
	rec->cmd.sense = rec->sense;
	rec->cmd.sense_cap = sizeof(rec->sense);
	r->cmd = &rec->cmd;
	r->units = 1;
	return true;
}

static const struct scsi_xfer_ops scsi_rl_ops = {
	.frame = scsi_rl_frame,
};

/**
 * Turn a target's REPORT LUNS outcome into its report; a target without
 * REPORT LUNS (or without a usable answer) gets the first
 * SCSI_SCAN_PROBE_LUNS LUNs as candidates to probe.
 * @v c		adapter
 * @v rec	the request, run
 * @v r		report to fill
 */
static void scsi_rl_report(struct vscsi_ctrl *c, const struct scsi_rl_rec *rec,
			   struct scsi_target_luns *r)
{
	unsigned i, n;

	vs_memset(r, 0, sizeof(*r));
	r->target = rec->cmd.target;
	r->rc = rec->req.rc;
	if (r->rc == VS_OK)
		r->rc = scsi_parse_luns(c, rec->buf, rec->cmd.in_done, r);
	if (r->rc == VS_OK || r->rc == VS_E_NOTARGET || r->rc == VS_E_TIMEOUT)
		return;
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
 * The record of a batch that carried one of its targets.
 * @v x		the batch's transfer, run
 * @v at	the target's place in the batch
 * @ret rec	its record
 */
static const struct scsi_rl_rec *scsi_rl_rec_of(const struct scsi_xfer *x,
						uint64_t at)
{
	return vs_container_of(scsi_xfer_req_at(x, at), struct scsi_rl_rec, req);
}

/**
 * Ask every target in a range for its LUN list: REPORT LUNS to a batch
 * of targets at once (one request slot each, one notification), so the
 * many absent targets answer BAD_TARGET together, each retried on its
 * own budget.  A batch is complete before its reports are handed on, so
 * the callback has every slot to itself.  No unit is confirmed here:
 * that is the caller's INQUIRY.
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
	struct scsi_rl_rec_short rec[VSCSI_REQ_SLOTS];
	struct scsi_rl_scan scan;
	struct scsi_target_luns report;
	struct scsi_xfer x = {
		.c = c, .ops = &scsi_rl_ops, .ctx = &scan, .independent = true,
		.window = VSCSI_REQ_SLOTS,
	};
	unsigned n = c->reqq.slots < VSCSI_REQ_SLOTS ? c->reqq.slots :
		     VSCSI_REQ_SLOTS, i;

	for (i = 0; i < VSCSI_REQ_SLOTS; i++) {
		rec[i].rec.buf = rec[i].buf;
		rec[i].rec.buf_len = sizeof(rec[i].buf);
		x.req[i] = &rec[i].rec.req;
	}
	if (last > c->max_target)
		last = c->max_target;
	for (; first <= last; first += n) {
		scan.first = first;
		scan.last = last - first + 1 < n ? last : first + n - 1;
		scsi_xfer_run(&x);
		/* a batch is no larger than the window: each target's record
		 * still holds its outcome */
		for (i = 0; i < scan.last - first + 1; i++) {
			scsi_rl_report(c, scsi_rl_rec_of(&x, i), &report);
			if (report.rc == VS_OK && !report.complete &&
			    !report.probed)
				/* more than the short buffer held: ask alone */
				scsi_report_luns(c, first + i, &report);
			if (report.rc == VS_E_TIMEOUT)
				return VS_E_TIMEOUT;
			fn(ctx, &report);
		}
	}
	return VS_OK;
}

/**
 * Ask one target for its LUN list, with room for SCSI_SCAN_MAX_LUNS.
 * @v c		adapter
 * @v target	target (the command goes to its LUN 0)
 * @v r		report to fill
 * @ret rc	VS_OK (r->luns valid), VS_E_NOTARGET for an absent target,
 *		VS_E_TIMEOUT, or another command error
 */
int scsi_report_luns(struct vscsi_ctrl *c, uint8_t target,
		     struct scsi_target_luns *r)
{
	struct scsi_rl_rec_long rec;
	struct scsi_rl_scan scan = { target, target };
	struct scsi_xfer x = {
		.c = c, .ops = &scsi_rl_ops, .ctx = &scan, .req = { &rec.rec.req },
		.window = 1,
	};

	rec.rec.buf = rec.buf;
	rec.rec.buf_len = sizeof(rec.buf);
	scsi_xfer_run(&x);
	scsi_rl_report(c, &rec.rec, r);
	return r->rc;
}
