/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * What both fuzzers do with each unit the inventory lists: check that the
 * geometry it accepted is sane, and read, write and flush a little; and
 * that the list stays sorted.
 */
#ifndef TEST_FUZZ_H
#define TEST_FUZZ_H

#include <stdlib.h>
#include "fake_device.h"
#include "vscsi/scsi_inventory.h"

/** Inventory callback: exercise the disks of up to 8 units. */
static inline void fuzz_unit(struct scsi_inventory *inv, struct scsi_unit *u)
{
	unsigned *units = inv->ctx;
	struct scsi_disk *d = &u->disk;
	static uint8_t buf[64 * 1024];

	if (++*units > 8 || !u->has_disk || !d->present)
		return;
	/* what was accepted must be usable */
	if (d->block_size < 512 || d->block_size > 65536 ||
	    (d->block_size & (d->block_size - 1)) || d->max_blocks == 0)
		abort();
	if (d->block_size <= sizeof(buf)) {
		scsi_disk_read(d, 0, 1, buf);
		scsi_disk_read(d, d->last_lba, 1, buf);
	}
	if (d->last_lba >= 16 && 16 * (uint64_t)d->block_size <= sizeof(buf)) {
		scsi_disk_read(d, d->last_lba - 15, 16, buf);
		scsi_disk_write(d, 1, 8, buf);
	}
	scsi_inv_check_media(inv, u);
	scsi_disk_flush(d);
}

/** A removed unit is released at once; what is listed must be sorted. */
static inline void fuzz_removed(struct scsi_inventory *inv, struct scsi_unit *u)
{
	if (scsi_inv_find(inv, u->info.target, u->info.lun))
		abort();
	scsi_inv_release(inv, u);
}

static const struct scsi_inventory_ops fuzz_inventory_ops = {
	.added = fuzz_unit, .removed = fuzz_removed,
};

/** The list must be strictly ascending. */
static inline void fuzz_check_sorted(struct scsi_inventory *inv)
{
	unsigned i;

	for (i = 1; i < scsi_inv_count(inv); i++) {
		const struct scsi_lun_info *a = &scsi_inv_at(inv, i - 1)->info;
		const struct scsi_lun_info *b = &scsi_inv_at(inv, i)->info;

		if ((a->target << 16 | a->lun) >= (b->target << 16 | b->lun))
			abort();
	}
}

#endif /* TEST_FUZZ_H */
