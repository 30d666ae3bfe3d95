/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of the seam under the adapter (transport.h): the adapter
 * over a host's transport and rings (host_queue.c) reads, writes, scans
 * and hears hot-plug as over its own; the hostile-device faults of the
 * core's rings give the same errors over the host's; and host queues
 * that lie about a used element (a slot not in flight, a slot beyond the
 * queue, a length beyond the chain, an element handed out twice) are
 * caught above the seam, the device reset through the host, the adapter
 * usable after.
 */
#include "helpers.h"
#include "host_queue.h"
#include "vscsi/scsi_inventory.h"

/** A fake device driven through a host's transport. */
struct host_rig {
	struct rig r;		/* r.c is the adapter */
	struct host_transport ht;
};

static int setup_host(void **state, bool modern)
{
	struct host_rig *h = calloc(1, sizeof(*h));

	fake_init(&h->r.fd, modern);
	fake_add_disk(&h->r.fd, 0, 0, 512, 2048);
	if (host_open(&h->ht, &h->r.fd.plat) != VS_OK ||
	    vscsi_attach(&h->r.c, &h->ht.t) != VS_OK)
		return -1;
	*state = h;
	return 0;
}

static int setup_host_modern(void **state)
{
	return setup_host(state, true);
}

static int setup_host_legacy(void **state)
{
	return setup_host(state, false);
}

static int teardown_host(void **state)
{
	struct host_rig *h = *state;

	vscsi_fini(&h->r.c);
	host_close(&h->ht);
	assert_int_equal(fake_active_maps(&h->r.fd), 0);
	assert_int_equal(h->r.fd.dma_errors, 0);
	assert_int_equal(h->r.fd.spec_errors, 0);
	fake_fini(&h->r.fd);
	free(h);
	return 0;
}

/** The adapter came up on the host's rings: DRIVER_OK, cut as asked. */
static void test_host_attach(void **state)
{
	struct host_rig *h = *state;
	struct vscsi_health health;

	assert_ptr_equal(h->r.c.t, &h->ht.t);
	assert_ptr_equal(h->r.c.reqq, &h->ht.hq[VIRTIO_SCSI_VQ_REQUEST].q);
	assert_true(h->r.fd.status & VIRTIO_STATUS_DRIVER_OK);
	assert_false(h->r.c.features & (1ull << VIRTIO_F_INDIRECT_DESC));
	assert_int_equal(h->r.c.reqq->slots, VSCSI_REQ_SLOTS);
	assert_true(h->r.c.reqq->slot_descs >= VSCSI_REQ_MIN_DESCS);
	assert_true(vscsi_self_test(&h->r.c, 0, 0, &health));
	assert_int_equal(health.queues_live, VSCSI_QUEUES);
}

/** Read and write through the host's rings, many requests in flight. */
static void test_host_read_write(void **state)
{
	struct host_rig *h = *state;
	struct scsi_disk d;
	static uint8_t buf[256 * 512], back[256 * 512];
	unsigned i;

	fill_pattern(&h->r.fd.lun[0][0], 2048);
	assert_int_equal(open_disk(&h->r, &d, 0, 0), VS_OK);
	assert_int_equal(d.block_size, 512);
	assert_int_equal(d.last_lba, 2047);
	assert_int_equal(scsi_disk_read(&d, 100, 256, buf), VS_OK);
	for (i = 0; i < 256; i++)
		assert_int_equal(pattern_check(7, 100 + i, buf + i * 512), -1);
	memset(buf, 0x5A, sizeof(buf));
	assert_int_equal(scsi_disk_write(&d, 1000, 256, buf), VS_OK);
	assert_memory_equal(h->r.fd.lun[0][0].data + 1000 * 512, buf, sizeof(buf));
	assert_int_equal(scsi_disk_read(&d, 1000, 256, back), VS_OK);
	assert_memory_equal(back, buf, sizeof(buf));
	assert_int_equal(h->ht.hq[VIRTIO_SCSI_VQ_REQUEST].num_free,
			 h->ht.hq[VIRTIO_SCSI_VQ_REQUEST].num);
}

/** What the inventory's callbacks saw. */
struct seen {
	unsigned added, removed;
};

static void seen_added(struct scsi_inventory *inv, struct scsi_unit *u)
{
	(void)u;
	((struct seen *)inv->ctx)->added++;
}

static void seen_removed(struct scsi_inventory *inv, struct scsi_unit *u)
{
	((struct seen *)inv->ctx)->removed++;
	scsi_inv_release(inv, u);
}

static const struct scsi_inventory_ops seen_ops = {
	.added = seen_added, .removed = seen_removed,
};

/** The scan finds units at gaps; a hot-unplug event reaches the inventory. */
static void test_host_scan_and_unplug(void **state)
{
	struct host_rig *h = *state;
	struct scsi_inventory *inv = calloc(1, sizeof(*inv));
	struct seen seen = { 0 };

	fake_add_disk(&h->r.fd, 3, 1, 4096, 64);
	fake_add_disk(&h->r.fd, 5, 2, 2048, 64);
	h->r.fd.lun[5][2].pdt = SCSI_PDT_CDROM;
	scsi_inv_init(inv, &h->r.c, &seen_ops, &seen);
	assert_int_equal(scsi_inv_scan(inv), VS_OK);
	assert_int_equal(scsi_inv_count(inv), 3);
	assert_int_equal(seen.added, 3);
	assert_int_equal(scsi_inv_find(inv, 3, 1)->disk.block_size, 4096);
	assert_int_equal(scsi_inv_find(inv, 5, 2)->disk.block_size, 2048);
	h->r.fd.lun[3][1].present = false;
	assert_true(fake_send_event(&h->r.fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 3, 1,
				    VIRTIO_SCSI_EVT_RESET_REMOVED));
	scsi_inv_poll(inv);
	assert_int_equal(seen.removed, 1);
	assert_null(scsi_inv_find(inv, 3, 1));
	assert_int_equal(scsi_inv_count(inv), 2);
	free(inv);
}

/** Every hostile-device fault of the core's rings, over the host's. */
static void test_host_device_faults(void **state)
{
	static const struct { enum fake_fault fault; int rc; } faults[] = {
		{ FAULT_USED_ID, VS_E_DEVICE },	/* refused by the host */
		{ FAULT_USED_LEN, VS_E_DEVICE },
		{ FAULT_USED_IDX_JUMP, VS_E_DEVICE },
		{ FAULT_SENSE_LEN, VS_E_DEVICE },
		{ FAULT_RESIDUAL, VS_E_DEVICE },
		{ FAULT_RESPONSE, VS_E_DEVICE },
	};
	struct host_rig *h = *state;
	uint64_t resets;
	unsigned i;

	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		resets = h->r.c.resets;
		assert_fault_then_recovery(&h->r, faults[i].fault, faults[i].rc);
		if (faults[i].fault <= FAULT_USED_IDX_JUMP)
			assert_int_equal(h->r.c.resets, resets + 1);
	}
	/* a request the device never completes: a timeout, on the clock */
	assert_fault_then_recovery(&h->r, FAULT_DROP, VS_E_TIMEOUT);
}

/** A data-in transfer the device cut short: the residual is honoured. */
static void test_host_short_read(void **state)
{
	struct host_rig *h = *state;
	uint8_t cdb[6] = { SCSI_OP_INQUIRY, 0, 0, 0, 96, 0 };
	uint8_t buf[96];
	struct vscsi_cmd out;

	h->r.fd.fault = FAULT_SHORT;
	assert_int_equal(rig_cmd_in(&h->r, 0, 0, cdb, 6, buf, 96, &out), VS_OK);
	assert_true(out.in_done < 96);
	h->r.fd.fault = FAULT_NONE;
}

/**
 * A host queue that lies about a used element: caught above the seam
 * with a log line, the device reset through the host, the adapter usable
 * and its data whole after.
 */
static void test_host_lies(void **state)
{
	static const enum host_lie lies[] = {
		HOST_LIE_SLOT, HOST_LIE_RANGE, HOST_LIE_LEN, HOST_LIE_TWICE,
	};
	struct host_rig *h = *state;
	struct host_queue *hq = &h->ht.hq[VIRTIO_SCSI_VQ_REQUEST];
	struct scsi_disk d;
	static uint8_t buf[64 * 512];
	unsigned i, k;

	fill_pattern(&h->r.fd.lun[0][0], 2048);
	assert_int_equal(open_disk(&h->r, &d, 0, 0), VS_OK);
	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		uint64_t resets = h->r.c.resets;
		unsigned told = hq->lies;

		h->r.fd.log_watch = lies[i] >= HOST_LIE_LEN ? "beyond chain" :
				    "not in flight";
		h->r.fd.log_watched = 0;
		hq->lie = lies[i];
		if (lies[i] == HOST_LIE_TWICE) {
			/* the read's element comes again while a TEST UNIT
			 * READY waits on the same slot: its length (a 32 KiB
			 * read's) is beyond the new chain */
			assert_int_equal(scsi_disk_read(&d, 0, 64, buf), VS_OK);
			hq->lie = HOST_TRUTH;
			assert_int_equal(rig_cmd_in(&h->r, 0, 0, tur, 6, NULL, 0,
						    NULL), VS_E_DEVICE);
		} else {
			assert_int_equal(rig_cmd_in(&h->r, 0, 0, tur, 6, NULL, 0,
						    NULL), VS_E_DEVICE);
		}
		hq->lie = HOST_TRUTH;
		assert_true(hq->lies > told);
		assert_true(h->r.fd.log_watched >= 1);
		assert_true(h->r.c.resets > resets);
		assert_int_equal(scsi_disk_read(&d, 0, 64, buf), VS_OK);
		for (k = 0; k < 64; k++)
			assert_int_equal(pattern_check(7, k, buf + k * 512), -1);
	}
	assert_int_equal(fake_active_maps(&h->r.fd), 1 + 3);	/* shm, rings */
}

/** An event the host's queue names as a slot it never posted: rescan. */
static void test_host_event_lie(void **state)
{
	struct host_rig *h = *state;
	struct host_queue *eq = &h->ht.hq[VIRTIO_SCSI_VQ_EVENT];
	struct vscsi_event ev;
	uint64_t resets = h->r.c.resets;

	eq->lie = HOST_LIE_RANGE;
	assert_true(fake_send_event(&h->r.fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 0, 0,
				    VIRTIO_SCSI_EVT_RESET_RESCAN));
	assert_int_equal(vscsi_poll_event(&h->r.c, &ev), 1);
	assert_true(ev.missed);
	assert_int_equal(h->r.c.resets, resets + 1);
	eq->lie = HOST_TRUTH;
	assert_int_equal(rig_cmd_in(&h->r, 0, 0, tur, 6, NULL, 0, NULL), VS_OK);
}

/** Queues a host cut wrong for the adapter are refused at attach. */
static void test_host_cut_wrong(void **state)
{
	struct host_rig *h = calloc(1, sizeof(*h));

	(void)state;
	fake_init(&h->r.fd, true);
	assert_int_equal(host_open(&h->ht, &h->r.fd.plat), VS_OK);
	h->ht.hq[VIRTIO_SCSI_VQ_EVENT].q.slots = VSCSI_EVENT_BUFS + 1;
	h->r.fd.log_watch = "is not cut";
	assert_int_equal(vscsi_attach(&h->r.c, &h->ht.t), VS_E_DEVICE);
	assert_int_equal(h->r.fd.log_watched, 1);
	assert_true(h->r.fd.status & VIRTIO_STATUS_FAILED);
	h->ht.t.nqueues = 2;
	assert_int_equal(vscsi_attach(&h->r.c, &h->ht.t), VS_E_DEVICE);
	host_close(&h->ht);
	assert_int_equal(fake_active_maps(&h->r.fd), 0);
	fake_fini(&h->r.fd);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_host_attach, setup_host_modern, teardown_host),
		cmocka_unit_test_setup_teardown(test_host_attach, setup_host_legacy, teardown_host),
		cmocka_unit_test_setup_teardown(test_host_read_write, setup_host_modern, teardown_host),
		cmocka_unit_test_setup_teardown(test_host_read_write, setup_host_legacy, teardown_host),
		cmocka_unit_test_setup_teardown(test_host_scan_and_unplug, setup_host_modern, teardown_host),
		cmocka_unit_test_setup_teardown(test_host_device_faults, setup_host_modern, teardown_host),
		cmocka_unit_test_setup_teardown(test_host_device_faults, setup_host_legacy, teardown_host),
		cmocka_unit_test_setup_teardown(test_host_short_read, setup_host_modern, teardown_host),
		cmocka_unit_test_setup_teardown(test_host_lies, setup_host_modern, teardown_host),
		cmocka_unit_test_setup_teardown(test_host_lies, setup_host_legacy, teardown_host),
		cmocka_unit_test_setup_teardown(test_host_event_lie, setup_host_modern, teardown_host),
		cmocka_unit_test(test_host_cut_wrong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
