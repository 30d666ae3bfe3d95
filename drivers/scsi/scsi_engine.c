/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The transfer engine: the one way the SCSI layer runs commands.  A
 * transfer's units (blocks of a read or write, targets of a scan, or one
 * command) are cut into requests by the caller's frame(); up to a window
 * of them are in flight at once from the fixed request slots, with one
 * notification per batch; each completed request goes to the one
 * decision point, scsi_decide(), and is sent again while its own budget
 * lasts (SCSI_MAX_ATTEMPTS sends for a unit attention or an aborted
 * command, SCSI_READY_TIMEOUT_US from its first send for busy or becoming
 * ready, time inside the device included).  The transfer stops framing
 * at its first failure and returns the failure of the lowest unit, so no
 * later part of it is reported as done; an independent transfer (a scan)
 * keeps going and leaves each request's outcome in its record.  Unit
 * attentions met on the way are OR-ed into the transfer's events, so a
 * capacity change followed by a reset reports both.
 */
#include "vscsi/scsi_engine.h"

/**
 * Send a request (again), a shrink at a time while it maps in too many
 * pieces, when it was just framed.
 * @v x		transfer
 * @v r		request
 * @v fresh	just framed: the last one, so it may shrink
 * @ret rc	VS_OK (in flight), or the error that ends it
 */
static int scsi_xfer_send(struct scsi_xfer *x, struct scsi_req *r, bool fresh)
{
	int slot;

	for (;;) {
		slot = vscsi_submit(x->c, r->cmd);
		if (slot >= 0) {
			r->slot = slot;
			r->busy = true;
			return VS_OK;
		}
		if (slot != VS_E_BADSIZE || !fresh || !x->ops->shrink ||
		    !x->ops->shrink(x, r))
			return slot;
		x->next = r->at + r->units;
	}
}

/**
 * Record how a request ended; the first failure (lowest unit) is the
 * transfer's.
 * @v x		transfer
 * @v r		request
 * @v rc	its outcome
 */
static void scsi_xfer_end(struct scsi_xfer *x, struct scsi_req *r, int rc)
{
	r->rc = rc;
	r->busy = false;
	if (rc != VS_OK && !x->independent && r->at < x->failed_at) {
		x->rc = rc;
		x->failed_at = r->at;
	}
}

/**
 * Frame and send new requests while there is room, units left, and no
 * failure.
 * @v x		transfer
 * @v w		window
 * @ret sent	TRUE when something was submitted (a notification is due)
 */
static bool scsi_xfer_fill(struct scsi_xfer *x, unsigned w)
{
	struct scsi_req *r;
	bool sent = false;
	unsigned i;
	int rc;

	for (i = 0; i < w && !x->framed_all && x->rc == VS_OK; i++) {
		r = x->req[i];
		if (r->busy)
			continue;
		/* a record that says no keeps the unit it carried last */
		if (!x->ops->frame(x, r, x->next)) {
			x->framed_all = true;
			break;
		}
		r->at = x->next;
		x->next = r->at + r->units;
		r->used = true;
		r->attempts = 0;
		r->events = 0;
		r->ready_by = vs_deadline(x->c->plat, SCSI_READY_TIMEOUT_US);
		rc = scsi_xfer_send(x, r, true);
		if (rc == VS_OK)
			sent = true;
		else
			scsi_xfer_end(x, r, rc);
	}
	return sent;
}

/**
 * Take a completed request to the decision table, and send it again
 * while its budget lasts.
 * @v x		transfer
 * @v r		request, completed (vscsi_complete's rc)
 * @v rc	vscsi_complete's status
 * @ret again	TRUE when it was sent again
 */
static bool scsi_xfer_judge(struct scsi_xfer *x, struct scsi_req *r, int rc)
{
	struct vscsi_cmd *cmd = r->cmd;
	bool budget_left;

	r->busy = false;
	if (rc == VS_OK) {
		rc = scsi_decide(x->c, cmd, &r->events);
		x->events |= r->events;
	}
	if (rc == VS_AGAIN || rc == VS_WAIT) {
		if (rc == VS_AGAIN)
			budget_left = ++r->attempts < SCSI_MAX_ATTEMPTS;
		else
			budget_left = !vs_expired(x->c->plat, r->ready_by);
		VS_DBG(x->c->plat, "scsi %u:%u op %02x: %s (events %x)",
		       cmd->target, cmd->lun, cmd->cdb[0],
		       !budget_left ? "retry budget spent" :
		       rc == VS_AGAIN ? "retry" : "not ready or busy, waiting",
		       x->events);
		if (!budget_left) {
			rc = VS_E_DEVICE;
		} else {
			if (rc == VS_WAIT)
				x->c->plat->ops->delay_us(x->c->plat,
							  SCSI_READY_POLL_US);
			rc = scsi_xfer_send(x, r, false);
			if (rc == VS_OK)
				return true;
		}
	}
	if (rc == VS_OK && x->ops->check)
		rc = x->ops->check(x, r);
	scsi_xfer_end(x, r, rc);
	return false;
}

/**
 * Run a transfer to its end.
 * @v x		transfer: c, ops, ctx, req[] and window set
 * @ret rc	VS_OK, or the failure of its lowest unit (x->failed_at);
 *		VS_OK for an independent transfer, whose outcomes are in
 *		each request's rc
 */
int scsi_xfer_run(struct scsi_xfer *x)
{
	unsigned w = x->window, i;
	struct scsi_req *oldest;
	int rc;

	if (w > VSCSI_REQ_SLOTS)
		w = VSCSI_REQ_SLOTS;
	if (w > x->c->reqq->slots)
		w = x->c->reqq->slots;
	if (w == 0)
		w = 1;
	x->next = 0;
	x->rc = VS_OK;
	x->failed_at = UINT64_MAX;
	x->events = 0;
	x->framed_all = false;
	for (i = 0; i < VSCSI_REQ_SLOTS && x->req[i]; i++)
		x->req[i]->busy = x->req[i]->used = false;
	for (;;) {
		if (scsi_xfer_fill(x, w))
			vscsi_kick(x->c);
		/* wait for the request with the lowest unit */
		oldest = NULL;
		for (i = 0; i < w; i++)
			if (x->req[i]->busy &&
			    (!oldest || x->req[i]->at < oldest->at))
				oldest = x->req[i];
		if (!oldest)
			return x->rc;
		rc = vscsi_complete(x->c, oldest->slot);
		if (scsi_xfer_judge(x, oldest, rc))
			vscsi_kick(x->c);
	}
}

/**
 * The request that carried a unit of a finished transfer, so a caller
 * reads each unit's outcome from the record that holds it.  An independent
 * transfer of no more units than its window frames every unit in a record
 * of its own (a failure stops nothing), so each of its units has one.
 * @v x		transfer, run
 * @v at	unit
 * @ret r	its request, or NULL when no request of the run carried it
 */
struct scsi_req *scsi_xfer_req_at(const struct scsi_xfer *x, uint64_t at)
{
	unsigned i;

	for (i = 0; i < VSCSI_REQ_SLOTS && x->req[i]; i++)
		if (x->req[i]->used && x->req[i]->at <= at &&
		    at - x->req[i]->at < x->req[i]->units)
			return x->req[i];
	return NULL;
}

/** A record of a batch: one item's command and its buffers. */
struct scsi_batch_rec {
	struct scsi_req req;
	struct vscsi_cmd cmd;
	uint8_t cdb[VSCSI_CDB_MIN];
	uint8_t data[SCSI_BATCH_DATA];
	uint8_t sense[VSCSI_SENSE_MAX];
};

/** A batch as a transfer: its items from @p first on, one a unit. */
struct scsi_batch {
	const struct scsi_batch_ops *ops;
	void *ctx;
	unsigned first, n;
};

/** Transfer callback: item first + at's command, in its own record. */
static bool scsi_batch_frame(struct scsi_xfer *x, struct scsi_req *r,
			     uint64_t at)
{
	struct scsi_batch *b = x->ctx;
	struct scsi_batch_rec *rec = vs_container_of(r, struct scsi_batch_rec,
						     req);

	if (at >= b->n)
		return false;
	vs_memset(&rec->cmd, 0, sizeof(rec->cmd));
	vs_memset(rec->cdb, 0, sizeof(rec->cdb));
	rec->cmd.cdb = rec->cdb;
	b->ops->frame(b->ctx, b->first + at, &rec->cmd);
	rec->cmd.data_in = rec->cmd.in_len ? rec->data : NULL;
	rec->cmd.sense = rec->sense;
	rec->cmd.sense_cap = sizeof(rec->sense);
	r->cmd = &rec->cmd;
	r->units = 1;
	return true;
}

static const struct scsi_xfer_ops scsi_batch_xfer_ops = {
	.frame = scsi_batch_frame,
};

/**
 * Run one command for each of @p n items, as many in flight at once as
 * the queue has slots (one notification a round, as the scan does), each
 * under the retry policy with its own budget; a failure costs only its
 * own item.  The caller's frame() writes each item's command into a
 * record of the engine's (the CDB of at most VSCSI_CDB_MIN bytes); take()
 * gets each outcome, in item order, while the record still holds it.  A
 * round is complete before its outcomes are taken, so take() may run
 * commands of its own: every slot is free.
 * @v c		adapter
 * @v n		items
 * @v ops	frame and take
 * @v ctx	passed to them
 * @ret whole	every item was taken (no take() said stop)
 */
bool scsi_batch_run(struct vscsi_ctrl *c, unsigned n,
		    const struct scsi_batch_ops *ops, void *ctx)
{
	struct scsi_batch_rec rec[VSCSI_REQ_SLOTS];
	struct scsi_batch b = { .ops = ops, .ctx = ctx };
	struct scsi_xfer x = {
		.c = c, .ops = &scsi_batch_xfer_ops, .ctx = &b,
		.independent = true, .window = VSCSI_REQ_SLOTS,
	};
	unsigned w = c->reqq->slots < VSCSI_REQ_SLOTS ? c->reqq->slots :
		     VSCSI_REQ_SLOTS, i;
	struct scsi_batch_rec *r;

	for (i = 0; i < VSCSI_REQ_SLOTS; i++)
		x.req[i] = &rec[i].req;
	for (b.first = 0; b.first < n; b.first += w) {
		b.n = n - b.first < w ? n - b.first : w;
		scsi_xfer_run(&x);
		for (i = 0; i < b.n; i++) {
			r = vs_container_of(scsi_xfer_req_at(&x, i),
					    struct scsi_batch_rec, req);
			if (!ops->take(ctx, b.first + i, r->req.rc, &r->cmd,
				       r->req.events))
				return false;
		}
	}
	return true;
}

/** scsi_command's transfer: one unit, the caller's command. */
static bool scsi_one_frame(struct scsi_xfer *x, struct scsi_req *r,
			   uint64_t at)
{
	if (at)
		return false;
	r->cmd = x->ctx;
	r->units = 1;
	return true;
}

static const struct scsi_xfer_ops scsi_one_ops = {
	.frame = scsi_one_frame,
};

/**
 * Run one command under the retry policy (a transfer of one unit).  The
 * caller's sense buffer (if any) receives the last sense data; one on
 * the stack is used otherwise.
 * @v c		adapter
 * @v cmd	command
 * @v events	SCSI_EV_* bits of the unit attentions it met are OR-ed in
 *		(may be NULL)
 * @ret rc	VS_OK, VS_E_NOTARGET, VS_E_NOMEDIA, VS_E_PROTECTED,
 *		VS_E_MEDIUM, VS_E_UNSUPPORTED, VS_E_DEVICE, or an error of
 *		vscsi_submit and vscsi_complete
 */
int scsi_command(struct vscsi_ctrl *c, struct vscsi_cmd *cmd,
		 unsigned *events)
{
	uint8_t sense[VSCSI_SENSE_MAX];
	struct scsi_req r = { 0 };
	struct scsi_xfer x = {
		.c = c, .ops = &scsi_one_ops, .ctx = cmd, .req = { &r },
		.window = 1,
	};
	int rc;

	if (!cmd->sense) {
		cmd->sense = sense;
		cmd->sense_cap = sizeof(sense);
	}
	rc = scsi_xfer_run(&x);
	if (events)
		*events |= x.events;
	if (cmd->sense == sense)
		cmd->sense = NULL;
	return rc;
}
