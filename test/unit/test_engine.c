/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of the transfer engine (scsi_engine.c): pipelining, queue
 * sizes, cmd_per_lun, the per-request budgets (a count of sends for a
 * unit attention, a deadline for busy or becoming ready), and a request
 * that cannot be made smaller.
 */
#include "helpers.h"

/** Pipelined transfers: several requests per notification, in order. */
static void test_pipelined(void **state)
{
	struct rig *r = rig_new(true);
	struct scsi_disk d;
	uint8_t *buf = malloc(2048 * 512);
	unsigned notifies;
	uint64_t i;

	(void)state;
	r->fd.max_sectors = 64;
	r->fd.deferred = true;		/* completions arrive while polling */
	fill_pattern(&r->fd.lun[0][0], 2048);
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	r->fd.requests = 0;
	notifies = r->fd.notifies[VIRTIO_SCSI_VQ_REQUEST];
	assert_int_equal(scsi_disk_read(&d, 0, 2048, buf), VS_OK);
	for (i = 0; i < 2048; i++)
		assert_int_equal(pattern_check(7, i, buf + i * 512), -1);
	assert_int_equal(r->fd.requests, 32);
	assert_true(r->fd.notifies[VIRTIO_SCSI_VQ_REQUEST] - notifies < 32);
	assert_true(r->fd.max_segments >= 1);
	/* the ring saw up to VSCSI_REQ_SLOTS requests at once */
	assert_int_equal(r->fd.max_in_flight, VSCSI_REQ_SLOTS);

	/* a medium error in the middle: the error comes back, nothing after
	 * it is claimed, and the chunks before it are intact */
	r->fd.lun[0][0].bad_lba = 1000;
	memset(buf, 0, 2048 * 512);
	assert_int_equal(scsi_disk_read(&d, 0, 2048, buf), VS_E_MEDIUM);
	for (i = 0; i < 960; i++)
		assert_int_equal(pattern_check(7, i, buf + i * 512), -1);
	vscsi_fini(&r->c);
	assert_int_equal(fake_active_maps(&r->fd), 0);
	assert_int_equal(r->fd.dma_errors, 0);
	free(buf);
	rig_free(r);
}

/**
 * One queue size, with or without indirect descriptors: refused with a
 * log line naming it when no request fits; else the slots and their
 * descriptors follow from it, and a 128 KiB read that maps in pieces
 * comes back whole.
 * @v modern	transport
 * @v indirect	VIRTIO_F_INDIRECT_DESC offered
 * @v size	the request queue's size
 * @v buf	128 KiB
 */
static void queue_size_case(bool modern, bool indirect, unsigned size,
			    uint8_t *buf)
{
	struct rig *r = rig_new(modern);
	struct scsi_disk d;
	char want[40];
	unsigned i;
	int rc;

	if (!indirect)
		r->fd.features &= ~(1ull << VIRTIO_F_INDIRECT_DESC);
	r->fd.q[VIRTIO_SCSI_VQ_REQUEST].max_size = size;
	r->fd.max_sectors = 64;
	r->fd.map_limit = 4096;	/* buffers map in pieces */
	r->fd.deferred = true;
	rc = vscsi_init(&r->c, &r->fd.plat);
	if ((size & (size - 1)) || (!indirect && size < VSCSI_REQ_MIN_DESCS)) {
		assert_int_equal(rc, VS_E_DEVICE);
		vs_snprintf(want, sizeof(want), "size %u", size);
		assert_non_null(strstr(r->fd.last_log, want));
		rig_free(r);
		return;
	}
	assert_int_equal(rc, VS_OK);
	assert_int_equal(r->c.own.vq[2].indirect, indirect);
	assert_true(r->c.reqq->slots >= 1);
	assert_true(r->c.reqq->slots <= VSCSI_REQ_SLOTS);
	if (indirect) {
		/* a request per entry, at full segment count */
		assert_int_equal(r->c.reqq->slots, size < VSCSI_REQ_SLOTS ?
				 size : VSCSI_REQ_SLOTS);
		assert_int_equal(r->c.reqq->slot_descs, VQ_WANT_SLOT_DESCS);
	} else {
		assert_true(r->c.reqq->slots * r->c.reqq->slot_descs <=
			    r->c.own.vq[2].q.size);
	}
	assert_true(r->c.reqq->slot_descs >= VSCSI_REQ_MIN_DESCS);
	fill_pattern(&r->fd.lun[0][0], 256);
	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	assert_int_equal(scsi_disk_read(&d, 0, 256, buf), VS_OK);
	for (i = 0; i < 256; i++)
		assert_int_equal(pattern_check(7, i, buf + i * 512), -1);
	assert_true(r->fd.max_in_flight <= r->c.reqq->slots);
	assert_true(r->fd.max_segments + 2u <= r->c.reqq->slot_descs);
	vscsi_fini(&r->c);
	assert_int_equal(fake_active_maps(&r->fd), 0);
	assert_int_equal(r->fd.dma_errors, 0);
	assert_int_equal(r->fd.spec_errors, 0);
	rig_free(r);
}

/**
 * Every queue size a device may offer, 1 to 1024, modern and legacy, with
 * and without indirect descriptors (§2.7.5.3): without them a power of
 * two from VSCSI_REQ_MIN_DESCS on carries requests, with them every
 * power of two does; anything else is refused.
 */
static void test_queue_sizes(void **state)
{
	uint8_t *buf = malloc(256 * 512);
	unsigned size, modern, indirect;

	(void)state;
	for (modern = 0; modern < 2; modern++)
		for (indirect = 0; indirect < 2; indirect++)
			for (size = 1; size <= 1024; size++)
				queue_size_case(modern, indirect, size, buf);
	free(buf);
}

/** No more requests in flight to one LUN than the device's cmd_per_lun. */
static void test_cmd_per_lun(void **state)
{
	static const unsigned limits[] = { 1, 3, 0 };
	uint8_t *buf = malloc(1024 * 512);
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct rig *r = rig_new(true);
		struct scsi_disk d;

		r->fd.cmd_per_lun = limits[i];
		r->fd.max_sectors = 64;
		r->fd.deferred = true;
		assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
		assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
		r->fd.max_in_flight = 0;
		assert_int_equal(scsi_disk_read(&d, 0, 1024, buf), VS_OK);
		/* 0 is taken as 1 */
		assert_int_equal(r->fd.max_in_flight, limits[i] ? limits[i] : 1);
		vscsi_fini(&r->c);
		rig_free(r);
	}
	free(buf);
}

/** UNIT ATTENTION is retried; a persistent one gives up. */
static void test_unit_attention(void **state)
{
	struct rig *r = *state;
	struct fake_lun *lu = &r->fd.lun[0][0];
	struct scsi_disk d;
	uint8_t buf[512];

	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	lu->sense_key = SCSI_SK_UNIT_ATTENTION;
	lu->asc = 0x29;		/* power on, reset */
	lu->sense_count = 2;
	r->fd.requests = 0;
	assert_int_equal(scsi_disk_read(&d, 0, 1, buf), VS_OK);
	assert_int_equal(r->fd.requests, 3);
	lu->sense_count = ~0u;
	r->fd.requests = 0;
	assert_int_equal(scsi_disk_read(&d, 0, 1, buf), VS_E_DEVICE);
	/* one budget per request: SCSI_MAX_ATTEMPTS sends in all */
	assert_int_equal(r->fd.requests, SCSI_MAX_ATTEMPTS);
}

/** NOT READY, becoming ready: waited out (in virtual time). */
static void test_becoming_ready(void **state)
{
	struct rig *r = *state;
	struct fake_lun *lu = &r->fd.lun[0][0];
	struct scsi_disk d;
	uint8_t buf[512];
	uint64_t t0;

	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	lu->sense_key = SCSI_SK_NOT_READY;
	lu->asc = 0x04;
	lu->ascq = 0x01;
	lu->sense_count = 12;	/* more than the attempts: waits do not count */
	t0 = r->fd.now_us;
	assert_int_equal(scsi_disk_read(&d, 0, 1, buf), VS_OK);
	/* 12 answers NOT READY, each followed by a pause */
	assert_true(r->fd.now_us - t0 >= 12 * SCSI_READY_POLL_US);
	/* ... but not forever */
	lu->sense_count = ~0u;
	t0 = r->fd.now_us;
	assert_int_equal(scsi_disk_read(&d, 0, 1, buf), VS_E_DEVICE);
	assert_true(r->fd.now_us - t0 >= SCSI_READY_TIMEOUT_US);
	assert_true(r->fd.now_us - t0 < 2ull * SCSI_READY_TIMEOUT_US);
}

/**
 * NOT READY, becoming ready, for ever, and every request takes 1 s in the
 * device: the 10 s budget counts that time, so about ten are sent, not a
 * hundred.
 */
static void test_not_ready_deadline(void **state)
{
	struct rig *r = *state;
	struct fake_lun *lu = &r->fd.lun[0][0];
	struct vscsi_cmd cmd = { .cdb = tur, .cdb_len = 6 };
	unsigned sent;
	uint64_t t0;

	lu->sense_key = SCSI_SK_NOT_READY;
	lu->asc = 0x04;
	lu->ascq = 0x01;
	lu->sense_count = ~0u;
	r->fd.latency_us = 1000000;
	sent = r->fd.requests;
	t0 = r->fd.now_us;
	assert_int_equal(scsi_command(&r->c, &cmd, NULL), VS_E_DEVICE);
	assert_true(r->fd.now_us - t0 >= SCSI_READY_TIMEOUT_US);
	assert_true(r->fd.now_us - t0 < SCSI_READY_TIMEOUT_US + 1000000 +
		    SCSI_READY_POLL_US + 1000);
	assert_in_range(r->fd.requests - sent, 9, 11);
	/* it becomes ready: the next command goes through */
	lu->sense_count = 0;
	r->fd.latency_us = 0;
	assert_int_equal(scsi_command(&r->c, &cmd, NULL), VS_OK);
}

/** BUSY for ever: the same budget; a unit that stops being busy is fine. */
static void test_busy_deadline(void **state)
{
	struct rig *r = *state;
	struct vscsi_cmd cmd = { .cdb = tur, .cdb_len = 6 };
	uint64_t t0;

	r->fd.busy_count = ~0u;
	r->fd.latency_us = 500000;
	t0 = r->fd.now_us;
	assert_int_equal(scsi_command(&r->c, &cmd, NULL), VS_E_DEVICE);
	assert_true(r->fd.now_us - t0 >= SCSI_READY_TIMEOUT_US);
	assert_true(r->fd.now_us - t0 < SCSI_READY_TIMEOUT_US + 500000 +
		    SCSI_READY_POLL_US + 1000);
	r->fd.busy_count = 3;
	r->fd.latency_us = 0;
	assert_int_equal(scsi_command(&r->c, &cmd, NULL), VS_OK);
	assert_int_equal(r->fd.busy_count, 0);
}

/**
 * A read whose buffer cannot be mapped at all: the transfer ends with
 * that error at once, nothing is sent, and the next read works.
 */
static void test_map_refused(void **state)
{
	struct rig *r = *state;
	struct scsi_disk d;
	uint8_t buf[8 * 512];

	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	r->fd.map_fail = true;
	r->fd.requests = 0;
	assert_int_equal(scsi_disk_read(&d, 0, 8, buf), VS_E_NOMEM);
	assert_int_equal(r->fd.requests, 0);
	r->fd.map_fail = false;
	assert_int_equal(scsi_disk_read(&d, 0, 8, buf), VS_OK);
}

/** A command that maps in more pieces than fit, with no way to shrink. */
static void test_no_shrink(void **state)
{
	struct rig *r = *state;
	uint8_t buf[4096], cdb[10] = { SCSI_OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 8 };
	struct vscsi_cmd cmd = {
		.cdb = cdb, .cdb_len = 10, .data_in = buf, .in_len = 4096,
	};

	r->c.seg_max = 2;
	r->fd.map_limit = 512;
	r->fd.requests = 0;
	assert_int_equal(scsi_command(&r->c, &cmd, NULL), VS_E_BADSIZE);
	assert_int_equal(r->fd.requests, 0);
	r->fd.map_limit = 0;
	assert_int_equal(scsi_command(&r->c, &cmd, NULL), VS_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_queue_sizes),
		cmocka_unit_test(test_cmd_per_lun),
		cmocka_unit_test_setup_teardown(test_unit_attention, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_becoming_ready, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_not_ready_deadline, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_busy_deadline, setup_legacy, teardown_rig),
		cmocka_unit_test_setup_teardown(test_no_shrink, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_map_refused, setup_modern, teardown_rig),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
