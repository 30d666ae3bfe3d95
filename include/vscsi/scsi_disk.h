/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Block devices behind the adapter (scsi_disk.c, SBC-3, MMC): geometry
 * (READ CAPACITY), write protection and cache (MODE SENSE), reads and
 * writes split to the adapter's limits, cache flush, medium changes.  A
 * disk is opened from what INQUIRY said of its unit; it depends on no
 * discovery.
 */
#ifndef VSCSI_SCSI_DISK_H
#define VSCSI_SCSI_DISK_H

#include "vscsi/scsi_engine.h"
#include "vscsi/scsi_inquiry.h"

/** Block sizes a disk may have: powers of two in this range (a buffer
 * of SCSI_MAX_BLOCK_SIZE holds one block of any disk). */
#define SCSI_MIN_BLOCK_SIZE 512
#define SCSI_MAX_BLOCK_SIZE 65536

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
	/** Unit attentions met since the owner last looked: SCSI_EV_* bits,
	 * OR-ed in from every command's transfer. */
	unsigned events;
};

/** Results of scsi_disk_check_media. */
#define SCSI_MEDIA_SAME 0
#define SCSI_MEDIA_CHANGED 1

int scsi_disk_open(struct scsi_disk *d, struct vscsi_ctrl *c,
		   const struct scsi_lun_info *info);
void scsi_disks_open(struct scsi_disk **d, struct vscsi_ctrl *c,
		     const struct scsi_lun_info *const *info, unsigned n,
		     int *rc);
int scsi_disk_check_media(struct scsi_disk *d);
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
