/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * What both fuzzers do with each unit a scan finds: open it, check that
 * the geometry it accepted is sane, and read, write and flush a little.
 */
#ifndef TEST_FUZZ_H
#define TEST_FUZZ_H

#include <stdlib.h>
#include "fake_device.h"
#include "vscsi/scsi_disk.h"

struct fuzz_ctx {
	struct vscsi_ctrl *c;
	unsigned units;
};

/** Scan callback: exercise up to 8 units. */
static inline void fuzz_unit(void *ctx, const struct scsi_lun_info *info)
{
	struct fuzz_ctx *f = ctx;
	struct scsi_disk d;
	static uint8_t buf[64 * 1024];

	if (++f->units > 8 || scsi_disk_open(&d, f->c, info) != VS_OK)
		return;
	/* what was accepted must be usable */
	if (d.block_size < 512 || d.block_size > 65536 ||
	    (d.block_size & (d.block_size - 1)) || d.max_blocks == 0)
		abort();
	if (d.block_size <= sizeof(buf)) {
		scsi_disk_read(&d, 0, 1, buf);
		scsi_disk_read(&d, d.last_lba, 1, buf);
	}
	if (d.last_lba >= 16 && 16 * (uint64_t)d.block_size <= sizeof(buf)) {
		scsi_disk_read(&d, d.last_lba - 15, 16, buf);
		scsi_disk_write(&d, 1, 8, buf);
	}
	scsi_disk_check_media(&d);
	scsi_disk_flush(&d);
}

#endif /* TEST_FUZZ_H */
