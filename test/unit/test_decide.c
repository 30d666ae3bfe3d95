/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of the decision table (scsi_decide.c): every row, in both
 * sense formats (SPC-4 §4.5.2 descriptor, §4.5.3 fixed), sense too short
 * to read, and unit attentions turned into event bits, several in one
 * transfer.
 */
#include "helpers.h"
#include "spec/virtio_scsi.h"

#define ANY 0xFF

/** One row: a completed command and what the table must make of it. */
struct row {
	uint8_t response, status, key, asc, ascq;
	int rc;
	unsigned events;
};

static const struct row rows[] = {
	/* virtio responses (§5.6.6.1) */
	{ VIRTIO_SCSI_S_BAD_TARGET, 0, ANY, 0, 0, VS_E_NOTARGET, 0 },
	{ VIRTIO_SCSI_S_INCORRECT_LUN, 0, ANY, 0, 0, VS_E_NOTARGET, 0 },
	{ VIRTIO_SCSI_S_BUSY, 0, ANY, 0, 0, VS_WAIT, 0 },
	{ VIRTIO_SCSI_S_RESET, 0, ANY, 0, 0, VS_WAIT, 0 },
	{ VIRTIO_SCSI_S_ABORTED, 0, ANY, 0, 0, VS_WAIT, 0 },
	{ VIRTIO_SCSI_S_TRANSPORT_FAILURE, 0, ANY, 0, 0, VS_WAIT, 0 },
	{ VIRTIO_SCSI_S_OVERRUN, 0, ANY, 0, 0, VS_E_DEVICE, 0 },
	{ VIRTIO_SCSI_S_TARGET_FAILURE, 0, ANY, 0, 0, VS_E_DEVICE, 0 },
	{ VIRTIO_SCSI_S_FAILURE, 0, ANY, 0, 0, VS_E_DEVICE, 0 },
	/* SCSI status (SAM-5 §5.3) */
	{ 0, SCSI_STATUS_GOOD, ANY, 0, 0, VS_OK, 0 },
	{ 0, SCSI_STATUS_CONDITION_MET, ANY, 0, 0, VS_OK, 0 },
	{ 0, SCSI_STATUS_BUSY, ANY, 0, 0, VS_WAIT, 0 },
	{ 0, SCSI_STATUS_TASK_SET_FULL, ANY, 0, 0, VS_WAIT, 0 },
	{ 0, SCSI_STATUS_RESERVATION_CONFLICT, ANY, 0, 0, VS_E_DEVICE, 0 },
	{ 0, SCSI_STATUS_TASK_ABORTED, ANY, 0, 0, VS_E_DEVICE, 0 },
	/* CHECK CONDITION: sense key, ASC, ASCQ (SPC-4 §4.5.6) */
	{ 0, 2, SCSI_SK_NO_SENSE, 0, 0, VS_OK, 0 },
	{ 0, 2, SCSI_SK_RECOVERED_ERROR, 0x17, 0x01, VS_OK, 0 },
	{ 0, 2, SCSI_SK_NOT_READY, 0x04, 0x01, VS_WAIT, 0 },
	{ 0, 2, SCSI_SK_NOT_READY, 0x04, 0x03, VS_E_DEVICE, 0 },
	{ 0, 2, SCSI_SK_NOT_READY, 0x3A, 0x00, VS_E_NOMEDIA, 0 },
	{ 0, 2, SCSI_SK_NOT_READY, 0x3A, 0x02, VS_E_NOMEDIA, 0 },
	{ 0, 2, SCSI_SK_NOT_READY, 0x3E, 0x01, VS_WAIT, 0 },
	{ 0, 2, SCSI_SK_MEDIUM_ERROR, 0x11, 0x00, VS_E_MEDIUM, 0 },
	{ 0, 2, SCSI_SK_HARDWARE_ERROR, 0x44, 0x00, VS_E_DEVICE, 0 },
	{ 0, 2, SCSI_SK_ILLEGAL_REQUEST, 0x20, 0x00, VS_E_UNSUPPORTED, 0 },
	{ 0, 2, SCSI_SK_UNIT_ATTENTION, 0x3A, 0x00, VS_E_NOMEDIA, 0 },
	{ 0, 2, SCSI_SK_UNIT_ATTENTION, 0x28, 0x00, VS_AGAIN, SCSI_EV_MEDIUM_CHANGED },
	{ 0, 2, SCSI_SK_UNIT_ATTENTION, 0x29, 0x02, VS_AGAIN, SCSI_EV_RESET },
	{ 0, 2, SCSI_SK_UNIT_ATTENTION, 0x2A, 0x09, VS_AGAIN, SCSI_EV_CAPACITY_CHANGED },
	{ 0, 2, SCSI_SK_UNIT_ATTENTION, 0x2A, 0x01, VS_AGAIN, 0 },
	{ 0, 2, SCSI_SK_UNIT_ATTENTION, 0x3F, 0x0E, VS_AGAIN, SCSI_EV_LUNS_CHANGED },
	{ 0, 2, SCSI_SK_UNIT_ATTENTION, 0x3F, 0x03, VS_AGAIN, 0 },
	{ 0, 2, SCSI_SK_UNIT_ATTENTION, 0x47, 0x00, VS_AGAIN, 0 },
	{ 0, 2, SCSI_SK_DATA_PROTECT, 0x27, 0x00, VS_E_PROTECTED, 0 },
	{ 0, 2, SCSI_SK_ABORTED_COMMAND, 0x47, 0x00, VS_AGAIN, 0 },
	{ 0, 2, 0x0D, 0x00, 0x00, VS_E_DEVICE, 0 },	/* VOLUME OVERFLOW */
	{ 0, 2, 0x0E, 0x1D, 0x00, VS_E_DEVICE, 0 },	/* MISCOMPARE */
};

/**
 * Sense data for a key, ASC and ASCQ.
 * @v sense	buffer of 18 bytes
 * @v desc	descriptor format (72h), else fixed (70h)
 * @ret len	bytes of sense data
 */
static uint8_t make_sense(uint8_t *sense, bool desc, uint8_t key,
			  uint8_t asc, uint8_t ascq)
{
	memset(sense, 0, 18);
	if (desc) {
		sense[0] = SCSI_SENSE_DESC_CURRENT;
		sense[1] = key;
		sense[2] = asc;
		sense[3] = ascq;
		return 8;
	}
	sense[0] = SCSI_SENSE_FIXED_CURRENT;
	sense[2] = key;
	sense[7] = 10;
	sense[12] = asc;
	sense[13] = ascq;
	return 18;
}

/** Decide a command made from a row. */
static int decide_row(struct rig *r, const struct row *w, bool desc,
		      unsigned *events)
{
	uint8_t sense[18];
	struct vscsi_cmd cmd = {
		.cdb = tur, .cdb_len = 6, .response = w->response,
		.status = w->status, .sense = sense,
	};

	if (w->key != ANY)
		cmd.sense_len = make_sense(sense, desc, w->key, w->asc, w->ascq);
	*events = 0;
	return scsi_decide(&r->c, &cmd, events);
}

/** Every row of the table, with fixed and with descriptor sense. */
static void test_every_row(void **state)
{
	struct rig *r = *state;
	unsigned i, events;
	int desc, rc;

	for (desc = 0; desc < 2; desc++)
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			rc = decide_row(r, &rows[i], desc, &events);
			if (rc != rows[i].rc || events != rows[i].events)
				fail_msg("row %u, %s sense: %d, events %x; want "
					 "%d, events %x", i,
					 desc ? "descriptor" : "fixed", rc,
					 events, rows[i].rc, rows[i].events);
		}
}

/** Decide a CHECK CONDITION with the sense given. */
static int decide_sense(struct rig *r, uint8_t *sense, uint8_t len,
			unsigned *events)
{
	struct vscsi_cmd cmd = {
		.cdb = tur, .cdb_len = 6, .status = SCSI_STATUS_CHECK_CONDITION,
		.sense = sense, .sense_len = len,
	};

	*events = 0;
	return scsi_decide(&r->c, &cmd, events);
}

/** Deferred sense (71h, 73h) is read like current sense. */
static void test_deferred_sense(void **state)
{
	struct rig *r = *state;
	uint8_t sense[18], len;
	unsigned events;

	len = make_sense(sense, false, SCSI_SK_MEDIUM_ERROR, 0x11, 0);
	sense[0] = SCSI_SENSE_FIXED_DEFERRED;
	assert_int_equal(decide_sense(r, sense, len, &events), VS_E_MEDIUM);
	len = make_sense(sense, true, SCSI_SK_DATA_PROTECT, 0x27, 0);
	sense[0] = SCSI_SENSE_DESC_DEFERRED;
	assert_int_equal(decide_sense(r, sense, len, &events), VS_E_PROTECTED);
}

/**
 * Sense that cannot be read is a failure, never a success: none, a
 * response code we do not know, a header cut short.  Fixed sense without
 * its ASC still has its key.
 */
static void test_unreadable_sense(void **state)
{
	struct rig *r = *state;
	uint8_t sense[18];
	unsigned events;

	assert_int_equal(decide_sense(r, sense, 0, &events), VS_E_DEVICE);
	make_sense(sense, false, SCSI_SK_NO_SENSE, 0, 0);
	sense[0] = 0x7F;
	assert_int_equal(decide_sense(r, sense, 18, &events), VS_E_DEVICE);
	make_sense(sense, false, SCSI_SK_NO_SENSE, 0, 0);
	assert_int_equal(decide_sense(r, sense, 2, &events), VS_E_DEVICE);
	make_sense(sense, true, SCSI_SK_NO_SENSE, 0, 0);
	assert_int_equal(decide_sense(r, sense, 3, &events), VS_E_DEVICE);
	/* fixed, 13 bytes: key known, ASC not: NOT READY without 3Ah waits */
	make_sense(sense, false, SCSI_SK_NOT_READY, 0x3A, 0);
	assert_int_equal(decide_sense(r, sense, 13, &events), VS_WAIT);
	assert_int_equal(events, 0);
}

/** Hard errors are returned at once: no retries. */
static void hard_errors(struct rig *r)
{
	static const struct { uint8_t key, asc; int rc; } cases[] = {
		{ SCSI_SK_MEDIUM_ERROR, 0x11, VS_E_MEDIUM },
		{ SCSI_SK_HARDWARE_ERROR, 0x44, VS_E_DEVICE },
		{ SCSI_SK_DATA_PROTECT, 0x27, VS_E_PROTECTED },
		{ SCSI_SK_NOT_READY, 0x3A, VS_E_NOMEDIA },
	};
	struct fake_lun *lu = &r->fd.lun[0][0];
	struct scsi_disk d;
	uint8_t buf[512];
	unsigned i;

	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	for (i = 0; i < 4; i++) {
		lu->sense_key = cases[i].key;
		lu->asc = cases[i].asc;
		lu->sense_count = ~0u;
		r->fd.requests = 0;
		assert_int_equal(scsi_disk_read(&d, 0, 1, buf), cases[i].rc);
		assert_int_equal(r->fd.requests, 1);
	}
}

/** Hard errors from the device, fixed sense: returned at once. */
static void test_hard_errors(void **state)
{
	hard_errors(*state);
}

/** Hard errors from the device itself, in descriptor format: no retries. */
static void test_descriptor_sense_device(void **state)
{
	struct rig *r = *state;

	r->fd.desc_sense = true;
	hard_errors(r);
}

/**
 * Two different unit attentions in one transfer: a capacity change
 * (2Ah/09h), then a reset (29h).  Both events reach the disk, and the
 * owner's look at the medium takes the new capacity.
 */
static void test_two_unit_attentions(void **state)
{
	struct rig *r = *state;
	struct vscsi_cmd cmd = { .cdb = tur, .cdb_len = 6 };
	struct scsi_disk d;
	uint8_t buf[512];
	unsigned events;

	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	assert_int_equal(d.last_lba, 2047);
	r->fd.lun[0][0].blocks = 4096;
	assert_true(fake_unit_attention(&r->fd, 0, 0, SCSI_ASCQ_CAPACITY_CHANGED));
	assert_true(fake_unit_attention(&r->fd, 0, 0, SCSI_ASC_ASCQ(0x29, 0x00)));
	r->fd.requests = 0;
	assert_int_equal(scsi_disk_read(&d, 0, 1, buf), VS_OK);
	assert_int_equal(r->fd.requests, 3);
	assert_int_equal(d.events, SCSI_EV_CAPACITY_CHANGED | SCSI_EV_RESET);
	assert_int_equal(scsi_disk_check_media(&d), SCSI_MEDIA_CHANGED);
	assert_int_equal(d.last_lba, 4095);
	assert_int_equal(d.events, SCSI_EV_RESET);
	/* and through scsi_command, in the other order */
	assert_true(fake_unit_attention(&r->fd, 0, 0, SCSI_ASC_ASCQ(0x28, 0x00)));
	assert_true(fake_unit_attention(&r->fd, 0, 0, SCSI_ASCQ_LUNS_CHANGED));
	events = 0;
	assert_int_equal(scsi_command(&r->c, &cmd, &events), VS_OK);
	assert_int_equal(events, SCSI_EV_MEDIUM_CHANGED | SCSI_EV_LUNS_CHANGED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_row, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_deferred_sense, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_unreadable_sense, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_hard_errors, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_descriptor_sense_device, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_two_unit_attentions, setup_modern, teardown_rig),
	};

	return cmocka_run_group_tests_name("decision table", tests, NULL, NULL);
}
