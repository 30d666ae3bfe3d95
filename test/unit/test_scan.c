/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of discovery (scsi_scan.c, scsi_inquiry.c): REPORT LUNS to
 * a batch of targets, the bounds of a LUN list, INQUIRY data checked
 * before it is believed.
 */
#include "helpers.h"

/** Keep each target's report, by target. */
static void report(void *ctx, const struct scsi_target_luns *tl)
{
	struct scsi_target_luns *seen = ctx;

	seen[tl->target] = *tl;
}

static void test_scan_batches(void **state)
{
	struct rig *r = *state;
	static struct scsi_target_luns seen[8];

	fake_add_disk(&r->fd, 0, 3, 512, 64);
	fake_add_disk(&r->fd, 4, 1, 512, 64);	/* no LUN 0 on target 4 */
	r->fd.max_target = 7;
	vscsi_fini(&r->c);
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	r->fd.requests = 0;
	assert_int_equal(scsi_scan_targets(&r->c, 0, 7, report, seen), VS_OK);
	assert_int_equal(seen[0].rc, VS_OK);
	assert_int_equal(seen[0].count, 2);
	assert_int_equal(seen[4].rc, VS_OK);
	assert_int_equal(seen[4].count, 1);
	assert_int_equal(seen[4].luns[0], 1);
	assert_int_equal(seen[5].rc, VS_E_NOTARGET);
	/* 8 REPORT LUNS (6 answered BAD_TARGET), in one notification */
	assert_int_equal(r->fd.requests, 8);
	assert_int_equal(r->fd.max_in_flight, 8);
}

/** INQUIRY data shorter than its header is refused. */
static void test_short_inquiry(void **state)
{
	struct rig *r = *state;
	struct scsi_lun_info info;

	r->fd.lun[0][0].inquiry_len = 3;
	assert_int_equal(scsi_inquiry(&r->c, 0, 0, &info), VS_E_DEVICE);
	r->fd.lun[0][0].inquiry_len = 0;
	assert_int_equal(scsi_inquiry(&r->c, 0, 0, &info), VS_OK);
	assert_int_equal(info.pdt, SCSI_PDT_DIRECT_ACCESS);
	/* a LUN that is not there answers qualifier 3 */
	assert_int_equal(scsi_inquiry(&r->c, 0, 6, &info), VS_E_NOTARGET);
}

/** Only what arrived of a REPORT LUNS list is used; a cut list is said so. */
static void test_report_luns_bounds(void **state)
{
	struct rig *r = *state;
	struct scsi_target_luns tl;

	fake_add_disk(&r->fd, 0, 1, 512, 8);
	fake_add_disk(&r->fd, 0, 2, 512, 8);
	fake_add_disk(&r->fd, 0, 5, 512, 8);
	assert_int_equal(scsi_report_luns(&r->c, 0, &tl), VS_OK);
	assert_int_equal(tl.count, 4);
	assert_true(tl.complete);
	assert_false(tl.probed);
	assert_int_equal(tl.luns[3], 5);
	r->fd.report_luns_extra = 1000;
	assert_int_equal(scsi_report_luns(&r->c, 0, &tl), VS_OK);
	assert_int_equal(tl.count, 4);
	assert_false(tl.complete);
	assert_int_equal(scsi_report_luns(&r->c, 6, &tl), VS_E_NOTARGET);
	r->fd.target_no_report_luns[0] = true;
	assert_int_equal(scsi_report_luns(&r->c, 0, &tl), VS_OK);
	assert_true(tl.probed);
	assert_false(tl.complete);
	assert_int_equal(tl.count, SCSI_SCAN_PROBE_LUNS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scan_batches, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_short_inquiry, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_report_luns_bounds, setup_modern, teardown_rig),
	};

	return cmocka_run_group_tests_name("scan", tests, NULL, NULL);
}
