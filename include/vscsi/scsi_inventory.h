/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The unit inventory of one adapter: which logical units are there, in
 * (target, LUN) order, kept true by the initial scan, the event queue's
 * hot-plug and parameter-change events (virtio 1.2 §5.6.6.3), rescans,
 * and medium or capacity changes.  It is the legal address list: a
 * platform publishes exactly these units, and refuses any other address.
 *
 * The platform hears of every change through three callbacks.  A removed
 * unit leaves the list at once but keeps its storage (and its open disk)
 * until the platform calls scsi_inv_release, so the platform can tear
 * down what it built on it at its own pace.
 *
 * Single-threaded and polled, like the rest of the core: the platform
 * calls scsi_inv_poll periodically, never from inside another core call.
 */
#ifndef VSCSI_SCSI_INVENTORY_H
#define VSCSI_SCSI_INVENTORY_H

#include "vscsi/scsi_disk.h"
#include "vscsi/scsi_scan.h"

/** Most units one adapter holds: listed ones and removed ones not yet
 * released.  Further units are not listed, each named in the log. */
#define SCSI_INV_MAX_UNITS 1024
/**
 * Units that could not be listed named per SCSI_INV_REFUSED_QUIET_US; the
 * rest are counted, one line per scan or poll, so a device that floods
 * the adapter with units cannot flood the log.
 */
#define SCSI_INV_REFUSED_NAMES 16
#define SCSI_INV_REFUSED_QUIET_US 10000000ull
/** Most events taken from the event queue per scsi_inv_poll. */
#define SCSI_INV_EVENT_BATCH 32

/** Where a unit's storage is in its life. */
enum scsi_unit_state {
	SCSI_UNIT_FREE,		/**< unused */
	SCSI_UNIT_LISTED,	/**< present: in the legal address list */
	SCSI_UNIT_LEAVING,	/**< removed, not yet released by the platform */
};

/** One logical unit. */
struct scsi_unit {
	enum scsi_unit_state state;
	struct scsi_lun_info info;	/**< target, LUN, INQUIRY data */
	bool has_disk;		/**< a block device: disk is open */
	struct scsi_disk disk;
	void *owner;		/**< the platform's object; the core never uses it */
	uint8_t mark;		/**< scratch of a rescan */
};

struct scsi_inventory;

/** What the platform is told (each may be NULL). */
struct scsi_inventory_ops {
	/** A unit appeared; it is listed now. */
	void (*added)(struct scsi_inventory *inv, struct scsi_unit *u);
	/**
	 * A unit went away; it is no longer listed and no I/O may be sent
	 * to it.  The platform calls scsi_inv_release once nothing of its
	 * own refers to @p u any more (it may do so from this callback).
	 */
	void (*removed)(struct scsi_inventory *inv, struct scsi_unit *u);
	/** A unit's medium or capacity changed: u->disk is the new state. */
	void (*changed)(struct scsi_inventory *inv, struct scsi_unit *u);
};

/** The inventory of one adapter. */
struct scsi_inventory {
	struct vscsi_ctrl *c;
	const struct scsi_inventory_ops *ops;
	void *ctx;		/**< the platform's, for its callbacks */
	/** Storage: a unit never moves while it is listed or leaving. */
	struct scsi_unit unit[SCSI_INV_MAX_UNITS];
	/** Listed units (indexes into unit[]), (target, LUN) ascending. */
	uint16_t order[SCSI_INV_MAX_UNITS];
	unsigned count;		/**< listed units */
	/** New units a scan found, brought up together after it. */
	struct scsi_addr pending[SCSI_INV_MAX_UNITS];
	unsigned npending;
	bool rescan;		/**< a full rescan is due */
	/* units refused for want of room, and what the log said of them */
	uint64_t refused_since;	/**< start of the naming period (clock) */
	unsigned refused_named;	/**< named in that period */
	unsigned refused_unnamed;	/**< not named in this scan or poll */
	/* statistics */
	unsigned events, rescans;
};

void scsi_inv_init(struct scsi_inventory *inv, struct vscsi_ctrl *c,
		   const struct scsi_inventory_ops *ops, void *ctx);
int scsi_inv_scan(struct scsi_inventory *inv);
void scsi_inv_poll(struct scsi_inventory *inv);
void scsi_inv_request_rescan(struct scsi_inventory *inv);
int scsi_inv_index(const struct scsi_inventory *inv, uint8_t target,
		   uint16_t lun);
struct scsi_unit *scsi_inv_find(struct scsi_inventory *inv, uint8_t target,
				uint16_t lun);
int scsi_inv_check_media(struct scsi_inventory *inv, struct scsi_unit *u);
void scsi_inv_release(struct scsi_inventory *inv, struct scsi_unit *u);
bool scsi_inv_self_test(struct scsi_inventory *inv, struct vscsi_health *h);

/** Number of listed units. */
static inline unsigned scsi_inv_count(const struct scsi_inventory *inv)
{
	return inv->count;
}

/**
 * The listed unit at a position of the (target, LUN) order.
 * @v inv	inventory
 * @v i		position, below scsi_inv_count
 * @ret u	unit
 */
static inline struct scsi_unit *scsi_inv_at(struct scsi_inventory *inv,
					    unsigned i)
{
	return &inv->unit[inv->order[i]];
}

#endif /* VSCSI_SCSI_INVENTORY_H */
