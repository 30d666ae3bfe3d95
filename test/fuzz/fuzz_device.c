/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * libFuzzer harness over the device side: the input decides the device
 * configuration, the queue sizes, whether the adapter runs over the
 * core's own rings or a host's (test/unit/host_queue.c, through the seam
 * of transport.h), and what a hostile device writes into responses
 * (sense_len, residual, status, response byte) and the used ring (ids,
 * lengths, index jumps, lost requests).  The real core runs
 * discovery, opens the disks, reads and writes, and drains events into
 * the unit inventory; the
 * sanitizers and the checks below catch a wild write, a leak of DMA
 * mappings, or a device buffer given back while still mapped.
 */
#include <string.h>
#include "fuzz.h"
#include "host_queue.h"

/**
 * Start the adapter on the core's own transport, or on a host's.
 * @ret rc	VS_OK or an error
 */
static int fuzz_start(struct vscsi_ctrl *c, struct fake_dev *fd,
		      struct host_transport *ht, bool host)
{
	int rc;

	if (!host)
		return vscsi_init(c, &fd->plat);
	memset(c, 0, sizeof(*c));
	rc = host_open(ht, &fd->plat);
	if (rc == VS_OK)
		rc = vscsi_attach(c, &ht->t);
	if (rc != VS_OK)
		host_close(ht);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake_dev fd;
	static struct vscsi_ctrl c;
	static struct scsi_inventory inv;
	static struct host_transport ht;
	bool host = size && (data[0] & 2);
	unsigned units = 0, i;

	fake_init(&fd, size && (data[0] & 1));
	fd.plat.log_level = -1;
	fake_add_disk(&fd, 0, 0, 512, 64);
	fake_add_disk(&fd, 1, 2, 4096, 16);
	fd.fuzz = data;
	fd.fuzz_len = size;
	fd.fuzz_pos = 1;
	fd.seg_max = fake_fuzz_byte(&fd);
	fd.max_sectors = fake_fuzz_u32(&fd) & 0xFFFF;
	fd.num_queues = fake_fuzz_byte(&fd) & 3;
	fd.reset_cdb_size = fake_fuzz_byte(&fd);
	fd.reset_sense_size = fake_fuzz_byte(&fd);
	fd.max_target = fake_fuzz_byte(&fd) & 7;	/* keep runs short */
	fd.max_lun = fake_fuzz_u32(&fd);
	fd.q[2].max_size = 1u << (fake_fuzz_byte(&fd) % 10);
	fd.deferred = fake_fuzz_byte(&fd) & 1;
	fd.fuzz_device = true;
	if (fuzz_start(&c, &fd, &ht, host) == VS_OK) {
		scsi_inv_init(&inv, &c, &fuzz_inventory_ops, &units);
		scsi_inv_scan(&inv);
		fuzz_check_sorted(&inv);
		for (i = 0; i < 3; i++)
			fake_send_event_len(&fd, fake_fuzz_byte(&fd),
					    fake_fuzz_byte(&fd), fake_fuzz_byte(&fd),
					    fake_fuzz_u32(&fd), fake_fuzz_byte(&fd) & 31);
		scsi_inv_poll(&inv);
		fuzz_check_sorted(&inv);
		vscsi_tmf(&c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 0, 0);
		vscsi_fini(&c);
		if (host)
			host_close(&ht);
	}
	if (fake_active_maps(&fd) != 0 || fd.dma_errors)
		abort();	/* a mapping leaked, or a buffer was lost */
	fake_fini(&fd);
	return 0;
}
