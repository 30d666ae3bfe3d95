/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The SCSI targets behind the fake device (fake_target.c): each logical
 * unit's disk, its knobs, and what one emulated command returns.
 */
#ifndef TEST_FAKE_TARGET_H
#define TEST_FAKE_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#define FAKE_TARGETS 8
#define FAKE_LUNS 256
/** Most unit attentions one unit holds at once. */
#define FAKE_UA_QUEUE 4

/** One logical unit. */
struct fake_lun {
	bool present;
	uint8_t pdt;
	uint32_t block_size;
	uint64_t blocks;	/**< capacity reported */
	uint8_t *data;		/**< backing store */
	uint64_t data_size;	/**< its size: capacity may change, or be huge */
	bool write_protect;
	/** Sense to answer the next commands with (key 0: none). */
	uint8_t sense_key, asc, ascq;
	unsigned sense_count;	/**< how many commands get it (~0: all) */
	bool rc16_only;		/**< READ CAPACITY(10) answers all ones */
	bool no_rc16;		/**< READ CAPACITY(16) is refused */
	uint64_t bad_lba;	/**< reads covering it: MEDIUM ERROR (0: none) */
	uint16_t vpd_granularity;	/**< Block Limits VPD (0: no page) */
	uint32_t vpd_max_transfer;
	bool removable;		/**< INQUIRY RMB */
	uint32_t phys_exp, lowest_aligned;	/**< READ CAPACITY(16) */
	unsigned inquiry_len;	/**< bytes of INQUIRY data (0: 36) */
	bool no_write_cache;	/**< Caching page: WCE 0 */
	bool no_caching_page;	/**< MODE SENSE of the Caching page refused */
	/** Unit attentions pending (SAM-5 §5.14), oldest first: each ends
	 * one command other than INQUIRY, before any armed sense. */
	struct { uint8_t asc, ascq; } ua[FAKE_UA_QUEUE];
	unsigned ua_count;
	/** A target that gets its data wrong: called with the data-in of
	 * every command it answers GOOD, to change it and its length. */
	void (*mangle)(const uint8_t *cdb, uint8_t *data, uint32_t *len);
};

/** The outcome of one emulated SCSI command. */
struct fake_result {
	uint8_t response, status;
	uint8_t sense[18];
	uint32_t sense_len;
	uint32_t data_in;	/**< bytes produced */
	uint32_t data_out;	/**< bytes consumed */
};

struct fake_dev;

void fake_add_disk(struct fake_dev *fd, unsigned t, unsigned l,
		   uint32_t block_size, uint64_t blocks);
bool fake_unit_attention(struct fake_dev *fd, unsigned t, unsigned l,
			 uint16_t asc_ascq);
void fake_scsi(struct fake_dev *fd, unsigned t, unsigned l,
	       const uint8_t *cdb, uint8_t *din, uint32_t din_len,
	       uint8_t *dout, uint32_t dout_len, struct fake_result *r);

#endif /* TEST_FAKE_TARGET_H */
