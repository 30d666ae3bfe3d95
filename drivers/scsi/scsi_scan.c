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
 * Turn a target's REPORT LUNS outcome into its report; a target without
 * REPORT LUNS (or without a usable answer) gets the first
 * SCSI_SCAN_PROBE_LUNS LUNs as candidates to probe.
 * @v c		adapter
 * @v target	target
 * @v rc	the command's outcome
 * @v data	its parameter data
 * @v done	bytes of it
 * @v r		report to fill
 */
static void scsi_rl_report(struct vscsi_ctrl *c, uint8_t target, int rc,
			   const uint8_t *data, uint32_t done,
			   struct scsi_target_luns *r)
{
	unsigned i, n;

	vs_memset(r, 0, sizeof(*r));
	r->target = target;
	r->rc = rc;
	if (r->rc == VS_OK)
		r->rc = scsi_parse_luns(c, data, done, r);
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
 * Frame REPORT LUNS (SPC-4 §6.33) to LUN 0 of a target.
 * @v cmd	command: cdb set, of at least 12 bytes
 * @v target	target
 * @v len	allocation length
 */
static void scsi_rl_frame(struct vscsi_cmd *cmd, uint8_t target, uint32_t len)
{
	uint8_t *cdb = (uint8_t *)cmd->cdb;

	cdb[0] = SCSI_OP_REPORT_LUNS;
	put_be32(cdb + 6, len);
	cmd->target = target;
	cmd->cdb_len = 12;
	cmd->in_len = len;
}

/** A scan of a range of targets, as a batch (scsi_engine.c). */
struct scsi_scan {
	struct vscsi_ctrl *c;
	uint32_t first;		/**< target of item 0 */
	scsi_target_fn fn;
	void *ctx;
	struct scsi_target_luns report;
};

/** Batch callback: REPORT LUNS to one target, for a short list. */
static void scsi_scan_frame(void *ctx, unsigned i, struct vscsi_cmd *cmd)
{
	struct scsi_scan *s = ctx;

	scsi_rl_frame(cmd, s->first + i, SCSI_BATCH_DATA);
}

/** Batch callback: hand one target's answer on (or stop: no adapter). */
static bool scsi_scan_take(void *ctx, unsigned i, int rc,
			   const struct vscsi_cmd *cmd, unsigned events)
{
	struct scsi_scan *s = ctx;
	struct scsi_target_luns *r = &s->report;

	(void)events;
	scsi_rl_report(s->c, s->first + i, rc, cmd->data_in, cmd->in_done, r);
	if (r->rc == VS_OK && !r->complete && !r->probed)
		/* more than the short list held: ask alone */
		scsi_report_luns(s->c, s->first + i, r);
	if (r->rc == VS_E_TIMEOUT)
		return false;
	s->fn(s->ctx, r);
	return true;
}

static const struct scsi_batch_ops scsi_scan_ops = {
	.frame = scsi_scan_frame,
	.take = scsi_scan_take,
};

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
	struct scsi_scan s = { .c = c, .first = first, .fn = fn, .ctx = ctx };

	if (last > c->max_target)
		last = c->max_target;
	if (first > last)
		return VS_OK;
	return scsi_batch_run(c, last - first + 1, &scsi_scan_ops, &s) ?
	       VS_OK : VS_E_TIMEOUT;
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
	uint8_t buf[SCSI_REPORT_LUNS_HEADER +
		    SCSI_SCAN_MAX_LUNS * SCSI_REPORT_LUNS_ENTRY];
	uint8_t cdb[12] = { 0 };
	struct vscsi_cmd cmd = { .cdb = cdb, .data_in = buf };
	int rc;

	scsi_rl_frame(&cmd, target, sizeof(buf));
	rc = scsi_command(c, &cmd, NULL);
	scsi_rl_report(c, target, rc, buf, cmd.in_done, r);
	return r->rc;
}
