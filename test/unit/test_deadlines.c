/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of every deadline of the core, on the fake device's clock
 * (virtual time that delays and the device's own latency advance): a
 * request, a task management function, a device reset, and the NOT READY
 * and BUSY budgets of the retry policy, which count the time requests
 * spend inside the device too.
 */
#include "helpers.h"

static const uint8_t tur[6] = { SCSI_OP_TEST_UNIT_READY };

/** A request the device never completes ends at its deadline. */
static void test_request_deadline(void **state)
{
	struct rig *r = *state;
	struct vscsi_cmd cmd = {
		.cdb = tur, .cdb_len = 6, .timeout_us = 250000,
	};
	uint64_t t0;

	r->fd.fault = FAULT_DROP;
	t0 = r->fd.now_us;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_TIMEOUT);
	assert_true(r->fd.now_us - t0 >= 250000);
	assert_true(r->fd.now_us - t0 < 250000 + 1000);
	r->fd.fault = FAULT_NONE;
	cmd.timeout_us = 1000;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_OK);
}

/** A task management function the device never answers: 10 s. */
static void test_tmf_deadline(void **state)
{
	struct rig *r = *state;
	uint64_t t0;

	r->fd.tmf_drop = true;
	t0 = r->fd.now_us;
	assert_int_equal(vscsi_tmf(&r->c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
				   0, 0), VS_E_TIMEOUT);
	assert_true(r->fd.now_us - t0 >= VSCSI_TMF_TIMEOUT_US);
	assert_true(r->fd.now_us - t0 < VSCSI_TMF_TIMEOUT_US + 1100000);
	r->fd.tmf_drop = false;
	assert_int_equal(vscsi_tmf(&r->c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
				   0, 0), VS_OK);
}

/** A device that ignores a reset is given 1 s, then loses bus mastering. */
static void test_reset_deadline(void **state)
{
	struct rig *r = *state;
	uint64_t t0;

	r->fd.reset_stuck = true;
	t0 = r->fd.now_us;
	assert_int_equal(vp_reset(&r->c.vp), VS_E_TIMEOUT);
	assert_true(r->fd.now_us - t0 >= 1000000);
	assert_true(r->fd.now_us - t0 < 1000000 + 10000);
	r->fd.reset_stuck = false;
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
	assert_int_equal(scsi_command(&r->c, &cmd), VS_E_DEVICE);
	assert_true(r->fd.now_us - t0 >= SCSI_READY_TIMEOUT_US);
	assert_true(r->fd.now_us - t0 < SCSI_READY_TIMEOUT_US + 1000000 +
		    SCSI_READY_POLL_US + 1000);
	assert_in_range(r->fd.requests - sent, 9, 11);
	/* it becomes ready: the next command goes through */
	lu->sense_count = 0;
	r->fd.latency_us = 0;
	assert_int_equal(scsi_command(&r->c, &cmd), VS_OK);
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
	assert_int_equal(scsi_command(&r->c, &cmd), VS_E_DEVICE);
	assert_true(r->fd.now_us - t0 >= SCSI_READY_TIMEOUT_US);
	assert_true(r->fd.now_us - t0 < SCSI_READY_TIMEOUT_US + 500000 +
		    SCSI_READY_POLL_US + 1000);
	r->fd.busy_count = 3;
	r->fd.latency_us = 0;
	assert_int_equal(scsi_command(&r->c, &cmd), VS_OK);
	assert_int_equal(r->fd.busy_count, 0);
}

/** RETRY has a count: a unit attention every time ends after 6 sends. */
static void test_retry_count(void **state)
{
	struct rig *r = *state;
	struct fake_lun *lu = &r->fd.lun[0][0];
	struct vscsi_cmd cmd = { .cdb = tur, .cdb_len = 6 };
	unsigned sent = r->fd.requests;

	lu->sense_key = SCSI_SK_UNIT_ATTENTION;
	lu->asc = 0x29;
	lu->sense_count = ~0u;
	assert_int_equal(scsi_command(&r->c, &cmd), VS_E_DEVICE);
	assert_int_equal(r->fd.requests - sent, SCSI_MAX_ATTEMPTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_deadline, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_tmf_deadline, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_reset_deadline, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_not_ready_deadline, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_busy_deadline, setup_legacy, teardown_rig),
		cmocka_unit_test_setup_teardown(test_retry_count, setup_modern, teardown_rig),
	};

	return cmocka_run_group_tests_name("deadlines", tests, NULL, NULL);
}
