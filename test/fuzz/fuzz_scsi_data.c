/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * libFuzzer harness over what the targets say: the transport behaves,
 * but INQUIRY, REPORT LUNS, READ CAPACITY (10)/(16), MODE SENSE and Block
 * Limits data, and CHECK CONDITION sense, come from the input.  The SCSI
 * layer must parse it without reading or writing out of bounds, and a
 * geometry it accepts must be sane.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake_dev fd;
	static struct vscsi_ctrl c;
	static struct scsi_inventory inv;
	unsigned units = 0;

	fake_init(&fd, true);
	fd.plat.log_level = -1;
	fd.max_target = 2;
	fake_add_disk(&fd, 0, 0, 512, 64);
	fake_add_disk(&fd, 1, 0, 512, 64);
	fd.fuzz = data;
	fd.fuzz_len = size;
	if (vscsi_init(&c, &fd.plat) == VS_OK) {
		fd.fuzz_data = true;
		scsi_inv_init(&inv, &c, &fuzz_inventory_ops, &units);
		scsi_inv_scan(&inv);
		fuzz_check_sorted(&inv);
		vscsi_fini(&c);
	}
	if (fake_active_maps(&fd) != 0 || fd.dma_errors)
		abort();
	fake_fini(&fd);
	return 0;
}
