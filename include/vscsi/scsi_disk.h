/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * SCSI command layer: discovery (REPORT LUNS, INQUIRY), disk geometry
 * (READ CAPACITY), block reads and writes split to the adapter's limits,
 * cache flush, and the sense-driven retry policy.
 */
#ifndef VSCSI_SCSI_DISK_H
#define VSCSI_SCSI_DISK_H

#include "spec/scsi.h"
#include "vscsi/virtio_scsi.h"

/** Most LUNs one REPORT LUNS may list that a scan uses per target. */
#define SCSI_SCAN_MAX_LUNS 256
/** LUNs probed with INQUIRY when a target lacks REPORT LUNS. */
#define SCSI_SCAN_PROBE_LUNS 8
/** Attempts of one command under the retry policy. */
#define SCSI_MAX_ATTEMPTS 6
/** Longest wait for a LUN "becoming ready" (SPC-4 ASC 04h/01h). */
#define SCSI_READY_TIMEOUT_US (10u * 1000 * 1000)
#define SCSI_READY_POLL_US (100u * 1000)

/** A logical unit as INQUIRY describes it. */
struct scsi_lun_info {
	uint8_t target;
	uint16_t lun;
	uint8_t pdt;		/**< peripheral device type */
	bool removable;
	uint8_t inquiry[SCSI_INQUIRY_STD_LEN];
};

/** A block device behind the adapter. */
struct scsi_disk {
	struct vscsi_ctrl *c;
	uint8_t target;
	uint16_t lun;
	uint8_t pdt;		/**< peripheral device type */
	bool removable;
	bool present;		/**< medium there, capacity known */
	bool read_only;
	/** a volatile write cache is on (Caching page WCE, or not known) */
	bool write_cache;
	/** written since the last SYNCHRONIZE CACHE: a flush has work */
	bool dirty;
	uint32_t block_size;
	uint64_t last_lba;
	bool use16;		/**< READ/WRITE(16) needed */
	bool no_rc16;		/**< READ CAPACITY(16) refused: use (10) */
	uint32_t max_blocks;	/**< blocks per command */
	uint32_t phys_exp;	/**< log2 logical blocks per physical */
	uint64_t lowest_aligned;
	uint32_t opt_granularity;	/**< Block Limits VPD, in blocks */
	uint32_t max_transfer_blocks;	/**< Block Limits VPD (0: none) */
	/** Deadline of each read or write command, set by the owner
	 * once the disk is open (0: VSCSI_DEFAULT_TIMEOUT_US) */
	uint64_t timeout_us;
	/** Unit attentions seen since the owner last looked (SCSI_EV_*). */
	unsigned events;
};

/** Unit attentions that mean the owner must look again (scsi_disk.events). */
#define SCSI_EV_MEDIUM_CHANGED 0x1	/* ASC 28h: not ready to ready change */
#define SCSI_EV_CAPACITY_CHANGED 0x2	/* ASC 2Ah/09h */
#define SCSI_EV_LUNS_CHANGED 0x4	/* ASC 3Fh/0Eh */
#define SCSI_EV_RESET 0x8		/* ASC 29h: power on, reset */

/** Results of scsi_disk_check_media. */
#define SCSI_MEDIA_SAME 0
#define SCSI_MEDIA_CHANGED 1

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


/**
 * One request of a transfer (scsi_engine.c): the command, and what the
 * engine keeps about it.
 */
struct scsi_req {
	struct vscsi_cmd *cmd;	/**< framed by the transfer's frame() */
	uint64_t at;		/**< first unit of the transfer it carries */
	uint32_t units;		/**< how many (blocks, targets) */
	int slot;		/**< request slot while in flight */
	bool busy;		/**< in flight */
	unsigned attempts;	/**< sends for VS_AGAIN so far */
	uint64_t ready_by;	/**< VS_WAIT budget: deadline (0: not set) */
	int rc;			/**< its outcome */
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
	/** SCSI_ASC_ASCQ of the last unit attention retried past (0: none). */
	uint16_t unit_attention;
};

int scsi_xfer_run(struct scsi_xfer *x);
int scsi_command(struct vscsi_ctrl *c, struct vscsi_cmd *cmd);
int scsi_classify(struct vscsi_ctrl *c, struct vscsi_cmd *cmd);
int scsi_inquiry(struct vscsi_ctrl *c, uint8_t target, uint16_t lun,
		 struct scsi_lun_info *info);
int scsi_report_luns(struct vscsi_ctrl *c, uint8_t target,
		     struct scsi_target_luns *r);
int scsi_scan_targets(struct vscsi_ctrl *c, uint32_t first, uint32_t last,
		      scsi_target_fn fn, void *ctx);
int scsi_disk_open(struct scsi_disk *d, struct vscsi_ctrl *c,
		   const struct scsi_lun_info *info);
int scsi_disk_check_media(struct scsi_disk *d);
unsigned scsi_ua_event(uint16_t unit_attention);
int scsi_read_capacity(struct scsi_disk *d);
int scsi_disk_read(struct scsi_disk *d, uint64_t lba, uint64_t blocks,
		   void *buf);
int scsi_disk_write(struct scsi_disk *d, uint64_t lba, uint64_t blocks,
		    const void *buf);
int scsi_disk_flush(struct scsi_disk *d);

/** What scsi_disk_self_test found. */
struct scsi_disk_health {
	int inquiry_rc;
	uint8_t pdt;		/**< INQUIRY's peripheral device type */
	int capacity_rc;	/**< VS_OK, VS_E_NOMEDIA, or an error */
	uint64_t blocks;	/**< the capacity found */
	uint32_t block_size;
	bool changed;		/**< it differs from the disk's: not read */
	int read_rc;		/**< the read of LBA 0 (VS_E_NOMEDIA: not done) */
};
bool scsi_disk_self_test(struct scsi_disk *d, void *block,
			 struct scsi_disk_health *h);

#endif /* VSCSI_SCSI_DISK_H */
