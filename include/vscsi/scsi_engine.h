/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The transfer engine (scsi_engine.c): the one way the SCSI layer runs
 * commands.  A transfer is units (blocks, targets, one command) cut into
 * requests; each request ends with an outcome (a status of enum
 * vs_status) and the transfer with the outcome of its lowest failed unit
 * and the unit attentions met on the way (SCSI_EV_* bits).
 */
#ifndef VSCSI_SCSI_ENGINE_H
#define VSCSI_SCSI_ENGINE_H

#include "vscsi/scsi_decide.h"

/** Sends of one command for VS_AGAIN (a unit attention, an aborted
 * command) before it fails. */
#define SCSI_MAX_ATTEMPTS 6
/** Longest wait for a LUN "becoming ready" (SPC-4 ASC 04h/01h) or busy,
 * from a request's first send; and the pause between two sends. */
#define SCSI_READY_TIMEOUT_US (10u * 1000 * 1000)
#define SCSI_READY_POLL_US (100u * 1000)

/**
 * One request of a transfer: the command, and what the engine keeps
 * about it.  Callers embed it in a record of their own with the command
 * and its buffers, and get back to the record with vs_container_of.
 */
struct scsi_req {
	struct vscsi_cmd *cmd;	/**< framed by the transfer's frame() */
	uint64_t at;		/**< first unit of the transfer it carries */
	uint32_t units;		/**< how many (blocks, targets) */
	int slot;		/**< request slot while in flight */
	bool busy;		/**< in flight */
	bool used;		/**< framed in this run: at and rc are valid */
	unsigned attempts;	/**< sends for VS_AGAIN so far */
	uint64_t ready_by;	/**< VS_WAIT budget: deadline (0: not set) */
	int rc;			/**< its outcome */
	unsigned events;	/**< SCSI_EV_* of the unit attentions it met */
};

struct scsi_xfer;

/** How a transfer's units become requests, and what they must return. */
struct scsi_xfer_ops {
	/**
	 * Frame the request for the units from @p at on (r->cmd, r->units).
	 * @ret more	false when @p at is past the last unit
	 */
	bool (*frame)(struct scsi_xfer *x, struct scsi_req *r, uint64_t at);
	/** Frame it again over half its units (it mapped in too many
	 * pieces); false when it cannot get smaller.  May be NULL. */
	bool (*shrink)(struct scsi_xfer *x, struct scsi_req *r);
	/** Judge a request the device carried out (VS_OK from the decision
	 * table): VS_OK, or an error.  May be NULL. */
	int (*check)(struct scsi_xfer *x, struct scsi_req *r);
};

/**
 * A transfer: units cut into requests, several in flight from the fixed
 * slots, each with its own retry budget; stopped by the first request
 * that fails (the one with the lowest unit), which is what it returns.
 */
struct scsi_xfer {
	struct vscsi_ctrl *c;
	const struct scsi_xfer_ops *ops;
	void *ctx;		/**< the caller's */
	/** Request records, one per request that may be in flight. */
	struct scsi_req *req[VSCSI_REQ_SLOTS];
	unsigned window;	/**< how many of them to use at once */
	/** Requests are independent: a failure does not stop the others. */
	bool independent;
	/** Units from here on were not framed yet. */
	uint64_t next;
	bool framed_all;	/**< frame() said there are no more */
	/** The outcome: VS_OK, or the first failure and where it was. */
	int rc;
	uint64_t failed_at;
	/** SCSI_EV_* of every unit attention any of its requests met. */
	unsigned events;
};

/** Most data one command of a batch returns: a VPD page, INQUIRY, READ
 * CAPACITY, mode data, or a short REPORT LUNS list (the header and 16
 * LUNs: most targets have fewer). */
#define SCSI_BATCH_DATA (8 + 16 * 8)

/**
 * One command for each of many items (units, disks), independent of each
 * other: what a batch asks of its caller.
 */
struct scsi_batch_ops {
	/**
	 * Frame item @p i's command: target, lun, cdb, cdb_len, in_len (at
	 * most SCSI_BATCH_DATA; data_in is set by the engine).
	 */
	void (*frame)(void *ctx, unsigned i, struct vscsi_cmd *cmd);
	/**
	 * Take item @p i's outcome: rc, cmd with its data_in, and the
	 * SCSI_EV_* of the unit attentions it met.
	 * @ret more	false: stop, no further item is sent or taken
	 */
	bool (*take)(void *ctx, unsigned i, int rc, const struct vscsi_cmd *cmd,
		     unsigned events);
};

int scsi_xfer_run(struct scsi_xfer *x);
bool scsi_batch_run(struct vscsi_ctrl *c, unsigned n,
		    const struct scsi_batch_ops *ops, void *ctx);
struct scsi_req *scsi_xfer_req_at(const struct scsi_xfer *x, uint64_t at);
int scsi_command(struct vscsi_ctrl *c, struct vscsi_cmd *cmd,
		 unsigned *events);

#endif /* VSCSI_SCSI_ENGINE_H */
