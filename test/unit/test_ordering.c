/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Memory ordering at the virtqueue's ordering points (virtio 1.2
 * §2.7.13, §2.7.14), checked through the fake device in its weak-order
 * mode: an emulator on an x86 host never shows a missing barrier, so the
 * fake shows the core only what a weakly ordered CPU would let it see.
 * A chain counts only as it stood at the PUBLISH barrier, a notify only
 * after a NOTIFY barrier, and a completion's used element, response and
 * data appear only at the core's next CONSUME barrier.  Every kind of
 * work the core does must pass with no breach, and dropping any one
 * barrier must be caught.
 */
#include "helpers.h"
#include "vscsi/scsi_inventory.h"

static const struct scsi_inventory_ops no_callbacks;

/**
 * A rig in weak-order mode with a few disks: started, scanned, and with a
 * pattern written to disk 0:0 and read back through the pipelined path.
 * @v modern	transport
 * @v dropped	barriers the fake ignores (mask of 1 << VS_BARRIER_*);
 *		without CONSUME, only one command is tried
 * @ret order_errors	breaches of the order the fake saw
 * @ret stale	used elements the core refused as no chain in flight
 * @ret rc	the first failure of the workload, or VS_OK
 */
static int weak_workload(bool modern, unsigned dropped, unsigned *order_errors,
			 unsigned *stale)
{
	static const uint8_t tur[6] = { SCSI_OP_TEST_UNIT_READY };
	struct rig *r = rig_new(modern);
	struct scsi_inventory *inv = calloc(1, sizeof(*inv));
	struct scsi_unit *u;
	uint8_t *out = malloc(256 * 512), *in = malloc(256 * 512);
	unsigned i;
	int rc;

	fake_add_disk(&r->fd, 1, 2, 512, 4096);
	fake_add_disk(&r->fd, 3, 0, 4096, 512);
	r->fd.weak_order = true;
	r->fd.drop_barrier = dropped;
	r->fd.log_watch = "not in flight";
	rc = vscsi_init(&r->c, &r->fd.plat);
	if (rc != VS_OK)
		goto out;
	if (dropped & (1u << VS_BARRIER_CONSUME)) {
		/* nothing completes: one command, with a 1 ms deadline, shows it */
		rc = rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL);
		vscsi_fini(&r->c);
		goto out;
	}
	scsi_inv_init(inv, &r->c, &no_callbacks, NULL);
	rc = scsi_inv_scan(inv);
	if (rc == VS_OK && scsi_inv_count(inv) != 3)
		rc = VS_E_DEVICE;
	u = scsi_inv_find(inv, 0, 0);
	if (rc == VS_OK && (!u || !u->has_disk))
		rc = VS_E_DEVICE;
	for (i = 0; i < 256 * 512; i++)
		out[i] = (uint8_t)(i * 7 + i / 512);
	if (rc == VS_OK)
		rc = scsi_disk_write(&u->disk, 100, 256, out);
	if (rc == VS_OK)
		rc = scsi_disk_read(&u->disk, 100, 256, in);
	if (rc == VS_OK && memcmp(in, out, 256 * 512))
		rc = VS_E_DEVICE;
	if (rc == VS_OK)
		rc = vscsi_tmf(&r->c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 0, 0);
	if (rc == VS_OK)
		rc = rig_cmd_in(r, 1, 2, tur, 6, NULL, 0, NULL);
	/* a hot-plug event: the event buffer is read after CONSUME too */
	fake_add_disk(&r->fd, 5, 1, 512, 64);
	if (rc == VS_OK && !fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET,
					    5, 1, VIRTIO_SCSI_EVT_RESET_RESCAN))
		rc = VS_E_DEVICE;
	if (rc == VS_OK) {
		scsi_inv_poll(inv);
		if (!scsi_inv_find(inv, 5, 1))
			rc = VS_E_DEVICE;
	}
	vscsi_fini(&r->c);
out:
	assert_int_equal(fake_active_maps(&r->fd), 0);
	assert_int_equal(r->fd.dma_errors, 0);
	*order_errors = r->fd.order_errors;
	if (stale)
		*stale = r->fd.log_watched;
	/* every kind of ordering point was reached */
	if (!dropped) {
		assert_true(r->fd.barriers[VS_BARRIER_PUBLISH] > 0);
		assert_true(r->fd.barriers[VS_BARRIER_NOTIFY] > 0);
		assert_true(r->fd.barriers[VS_BARRIER_CONSUME] > 0);
	}
	free(in);
	free(out);
	free(inv);
	rig_free(r);
	return rc;
}

/** Both transports, all the core's work, in weak order: no breach. */
static void test_weak_order_clean(void **state)
{
	unsigned errors;

	(void)state;
	assert_int_equal(weak_workload(true, 0, &errors, NULL), VS_OK);
	assert_int_equal(errors, 0);
	assert_int_equal(weak_workload(false, 0, &errors, NULL), VS_OK);
	assert_int_equal(errors, 0);
}

/**
 * Each barrier left out is caught: chains published without PUBLISH or
 * notified without NOTIFY count as breaches, and without CONSUME the core
 * reads a stale used element and refuses it.
 */
static void test_missing_barrier_caught(void **state)
{
	unsigned errors, stale;
	int rc;

	(void)state;
	weak_workload(true, 1u << VS_BARRIER_PUBLISH, &errors, NULL);
	assert_true(errors > 0);
	weak_workload(false, 1u << VS_BARRIER_NOTIFY, &errors, NULL);
	assert_true(errors > 0);
	/* the stale element's id is no chain in flight: refused, and for
	 * that reason (not a timeout or a failed set-up) */
	rc = weak_workload(true, 1u << VS_BARRIER_CONSUME, &errors, &stale);
	assert_int_equal(rc, VS_E_DEVICE);
	assert_int_equal(stale, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weak_order_clean),
		cmocka_unit_test(test_missing_barrier_caught),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
