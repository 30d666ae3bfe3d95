/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of the paths a healthy device never takes: shared memory
 * that cannot be had, a notify offset out of its window, a configuration
 * that never reads consistently, a device that asks not to be notified,
 * a restart after a reset that fails, a broken event ring; and the log
 * formatter the core carries instead of a C library.
 */
#include "helpers.h"
#include "vscsi/scsi_inventory.h"

static const uint8_t tur[6] = { SCSI_OP_TEST_UNIT_READY };

/** vs_vsnprintf without the compiler's format checks, for odd formats. */
static int fmt_raw(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vs_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/** The formatter: every conversion the core uses, and truncation. */
static void test_log_format(void **state)
{
	char buf[64];
	int n;

	(void)state;
	n = vs_snprintf(buf, sizeof(buf), "%c|%5s|%-5s|%05d|%-4u|%x|%X|%lld|%llx",
			'z', "ab", "cd", -42, 7u, 0xbeefu, 0xbeefu, -5ll,
			0x123456789abcull);
	assert_string_equal(buf, "z|   ab|cd   |-0042|7   |beef|BEEF|-5|123456789abc");
	assert_int_equal(n, (int)strlen(buf));
	vs_snprintf(buf, sizeof(buf), "%p %s %%", (void *)0x1000, (char *)NULL);
	assert_non_null(strstr(buf, "0x1000"));
	assert_non_null(strstr(buf, "%"));
	n = vs_snprintf(buf, 8, "%s", "0123456789");
	assert_string_equal(buf, "0123456");	/* cut, and terminated */
	assert_int_equal(n, 10);
	fmt_raw(buf, sizeof(buf), "%hu %zu %lu %ld %i %q %", 3, (size_t)4, 5ul,
		-6l, 7);
	assert_string_equal(buf, "3 4 5 -6 7 %q %");
	fmt_raw(buf, sizeof(buf), "%-06d|%5d", 12, -3);
	assert_string_equal(buf, "12    |   -3");
	assert_int_equal(vs_snprintf(NULL, 0, "%s", "abc"), 3);
}

/** Log lines: filtered by level, named by the platform's device name. */
static void test_log_lines(void **state)
{
	struct rig *r = rig_new(true);
	struct vs_platform_ops no_log;

	(void)state;
	vs_log(NULL, VS_LOG_ERR, "nowhere");
	r->fd.plat.log_level = VS_LOG_INFO;
	vs_log(&r->fd.plat, VS_LOG_DEBUG, "too detailed");
	assert_null(strstr(r->fd.last_log, "too detailed"));
	vs_snprintf(r->fd.plat.name, sizeof(r->fd.plat.name), "0000:00:03.0");
	vs_log(&r->fd.plat, VS_LOG_ERR, "scsi %u:%u: %s", 1, 2, "gone");
	assert_string_equal(r->fd.last_log, "0000:00:03.0: scsi 1:2: gone");
	no_log = *r->fd.plat.ops;
	no_log.log = NULL;
	r->fd.plat.ops = &no_log;
	vs_log(&r->fd.plat, VS_LOG_ERR, "dropped");
	assert_string_equal(r->fd.last_log, "0000:00:03.0: scsi 1:2: gone");
	rig_free(r);
}

/** No shared memory at any step of set-up: NOMEM, nothing left behind. */
static void test_dma_alloc_failure(void **state)
{
	unsigned n;
	int rc;

	(void)state;
	for (n = 1; n <= 8; n++) {
		struct rig *r = rig_new(true);

		r->fd.dma_fail_at = n;
		rc = vscsi_init(&r->c, &r->fd.plat);
		if (n <= 4) {	/* the adapter's memory and three queues */
			assert_int_equal(rc, VS_E_NOMEM);
			assert_true(r->fd.status & VIRTIO_STATUS_FAILED);
		} else {
			assert_int_equal(rc, VS_OK);
			vscsi_fini(&r->c);
		}
		assert_int_equal(fake_active_maps(&r->fd), 0);
		rig_free(r);
	}
}

/** A notify offset outside the notify window is refused and logged. */
static void test_notify_off_out_of_range(void **state)
{
	struct rig *r = rig_new(true);

	(void)state;
	r->fd.notify_off_bad = true;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_DEVICE);
	assert_non_null(strstr(r->fd.last_log, "notify offset"));
	assert_int_equal(fake_active_maps(&r->fd), 0);
	rig_free(r);
}

/** A configuration whose generation never settles cannot be read. */
static void test_config_generation(void **state)
{
	struct rig *r = rig_new(true);

	(void)state;
	r->fd.generation_unstable = true;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_DEVICE);
	assert_int_equal(fake_active_maps(&r->fd), 0);
	rig_free(r);
}

/** A device that polls the ring (VIRTQ_USED_F_NO_NOTIFY) is not notified. */
static void test_used_no_notify(void **state)
{
	struct rig *r = *state;
	unsigned before;

	assert_int_equal(rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL), VS_OK);
	r->fd.used_no_notify = true;
	r->fd.deferred = true;		/* it works while we poll */
	assert_int_equal(rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL), VS_OK);
	before = r->fd.notifies[VIRTIO_SCSI_VQ_REQUEST];
	assert_int_equal(rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL), VS_OK);
	assert_int_equal(r->fd.notifies[VIRTIO_SCSI_VQ_REQUEST], before);
}

/**
 * A request times out, and the device will not come up again after the
 * reset (FEATURES_OK does not stick): the adapter stays down, each
 * request says so at once, and comes back once the device behaves.
 */
static void test_restart_fails(void **state)
{
	struct rig *r = *state;

	r->fd.fault = FAULT_DROP;
	r->fd.refuse_features = true;
	assert_int_equal(rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL), VS_E_TIMEOUT);
	assert_non_null(strstr(r->fd.last_log, "restart failed"));
	r->fd.fault = FAULT_NONE;
	assert_int_equal(rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL), VS_E_DEVICE);
	assert_false(r->c.running);
	r->fd.refuse_features = false;
	assert_int_equal(rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL), VS_OK);
	assert_true(r->c.running);
}

/** A broken event ring: the device is started over, and that is a rescan. */
static void test_event_ring_restart(void **state)
{
	struct rig *r = *state;
	struct vscsi_event ev;
	unsigned resets = r->c.resets;

	/* the device's used index runs ahead of what it was given */
	r->fd.q[VIRTIO_SCSI_VQ_EVENT].used_idx += 7;
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_NO_EVENT, 0, 0, 0));
	assert_int_equal(vscsi_poll_event(&r->c, &ev), 1);
	assert_true(ev.missed);
	assert_int_equal(r->c.resets, resets + 1);
	/* and the ring works again */
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 0, 1,
				    VIRTIO_SCSI_EVT_RESET_RESCAN));
	assert_int_equal(vscsi_poll_event(&r->c, &ev), 1);
	assert_false(ev.missed);
	assert_int_equal(ev.lun, 1);
}

/** A platform's own "the LUNs changed" starts a rescan at the next poll. */
static void test_request_rescan(void **state)
{
	struct rig *r = *state;
	static const struct scsi_inventory_ops none;
	struct scsi_inventory *inv = calloc(1, sizeof(*inv));

	scsi_inv_init(inv, &r->c, &none, NULL);
	assert_int_equal(scsi_inv_scan(inv), VS_OK);
	fake_add_disk(&r->fd, 0, 5, 512, 8);
	scsi_inv_poll(inv);
	assert_null(scsi_inv_find(inv, 0, 5));	/* nothing said so */
	scsi_inv_request_rescan(inv);
	scsi_inv_poll(inv);
	assert_non_null(scsi_inv_find(inv, 0, 5));
	assert_int_equal(inv->rescans, 2);
	free(inv);
}

/**
 * Capability lists a device should not have: a cap of an unknown type, a
 * BAR number beyond 5, a cap too short, a notify cap without its
 * multiplier, a second cap of a type already found.  What is left must be
 * a whole modern interface, or the function is refused and logged.
 */
static void test_bad_capabilities(void **state)
{
	struct rig *r;
	uint8_t *cap;

	(void)state;
	/* a usable list with junk in front of it still works */
	r = rig_new(true);
	r->fd.pci[PCI_CAP_PTR] = 0xA0;
	cap = r->fd.pci + 0xA0;		/* unknown type 9 */
	cap[VIRTIO_PCI_CAP_VNDR] = PCI_CAP_ID_VNDR;
	cap[VIRTIO_PCI_CAP_NEXT] = 0xB0;
	cap[VIRTIO_PCI_CAP_LEN] = 16;
	cap[VIRTIO_PCI_CAP_CFG_TYPE] = 9;
	cap = r->fd.pci + 0xB0;		/* a common cfg on BAR 7 */
	memcpy(cap, r->fd.pci + 0x40, 16);
	cap[VIRTIO_PCI_CAP_NEXT] = 0x40;
	cap[VIRTIO_PCI_CAP_BAR] = 7;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	assert_true(r->c.vp.modern);
	assert_int_equal(r->c.vp.common.bar, 4);
	vscsi_fini(&r->c);
	rig_free(r);

	/* the notify cap too short for its multiplier: no interface left */
	r = rig_new(true);
	r->fd.pci[0x70 + VIRTIO_PCI_CAP_LEN] = 16;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_NODEV);
	assert_non_null(strstr(r->fd.last_log, "no usable interface"));
	rig_free(r);

	/* a cap shorter than any: ignored, so the common cfg is missing */
	r = rig_new(true);
	r->fd.pci[0x40 + VIRTIO_PCI_CAP_LEN] = 8;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_NODEV);
	rig_free(r);

	/* a second common cfg after the first: the first one counts */
	r = rig_new(true);
	r->fd.pci[0x70 + VIRTIO_PCI_CAP_NEXT] = 0xA0;
	memcpy(r->fd.pci + 0xA0, r->fd.pci + 0x40, 16);
	r->fd.pci[0xA0 + VIRTIO_PCI_CAP_NEXT] = 0;
	put_le32(r->fd.pci + 0xA0 + VIRTIO_PCI_CAP_OFFSET, 0x7000);
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	vscsi_fini(&r->c);
	rig_free(r);
}

/** A legacy ring the device cannot reach (32-bit page numbers, 16 TiB). */
static void test_legacy_ring_unreachable(void **state)
{
	struct rig *r = rig_new(false);

	(void)state;
	r->fd.next_iova = 1ull << 45;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_DEVICE);
	assert_non_null(strstr(r->fd.last_log, "unreachable"));
	assert_int_equal(fake_active_maps(&r->fd), 0);
	rig_free(r);
}

/** Every check vscsi_submit makes before a request reaches the ring. */
static void test_submit_checks(void **state)
{
	struct rig *r = *state;
	uint8_t buf[4096], cdb[32] = { SCSI_OP_READ_10 };
	struct vscsi_cmd ok = {
		.cdb = cdb, .cdb_len = 10, .data_in = buf, .in_len = 512,
		.timeout_us = 1000,
	}, cmd;
	int slot[VSCSI_REQ_SLOTS + 1];
	unsigned i, n;

	cdb[8] = 1;
	r->c.max_target = 3;
	cmd = ok; cmd.target = 4;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_INVAL);
	cmd = ok; cmd.lun = r->c.max_lun + 1;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_INVAL);
	cmd = ok; cmd.cdb = NULL;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_INVAL);
	cmd = ok; cmd.cdb_len = 0;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_INVAL);
	cmd = ok; cmd.data_in = NULL;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_INVAL);
	cmd = ok; cmd.out_len = 512;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_INVAL);
	cmd.data_out = buf;	/* both directions without VIRTIO_SCSI_F_INOUT */
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_UNSUPPORTED);
	cmd = ok; cmd.cdb_len = r->c.cdb_size + 1;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_UNSUPPORTED);
	cmd = ok; cmd.in_len = r->c.max_transfer + 512;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_BADSIZE);
	assert_int_equal(cmd.in_done, r->c.max_transfer);
	cmd = ok; cmd.data_in = NULL; cmd.in_len = 0;
	cmd.data_out = buf; cmd.out_len = r->c.max_transfer + 512;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_BADSIZE);
	assert_int_equal(cmd.out_done, r->c.max_transfer);

	/* more pieces than seg_max allows; a mapping refused */
	r->c.seg_max = 2;
	r->fd.map_limit = 512;
	cmd = ok; cmd.in_len = 4096;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_BADSIZE);
	r->fd.map_limit = 0;
	r->fd.map_fail = true;
	cmd = ok;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_NOMEM);
	r->fd.map_fail = false;
	assert_int_equal(fake_active_maps(&r->fd), 4);	/* 3 rings, shared */

	/* every slot in flight: the next one is BUSY; all end at a reset */
	r->fd.fault = FAULT_DROP;
	n = r->c.reqq.slots;
	for (i = 0; i < n; i++) {
		struct vscsi_cmd *c = calloc(1, sizeof(*c));

		*c = ok;
		slot[i] = vscsi_submit(&r->c, c);
		assert_true(slot[i] >= 0);
	}
	cmd = ok;
	assert_int_equal(vscsi_submit(&r->c, &cmd), VS_E_BUSY);
	vscsi_kick(&r->c);
	for (i = 0; i < n; i++) {
		struct vscsi_cmd *c = r->c.slot[slot[i]].cmd;

		assert_int_equal(vscsi_complete(&r->c, slot[i]), VS_E_TIMEOUT);
		free(c);
	}
	r->fd.fault = FAULT_NONE;
	cmd = ok;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_OK);
}

/** The edges of small public functions. */
static void test_api_edges(void **state)
{
	struct rig *r = *state;
	struct virtqueue vq;
	uint8_t buf[4096], cdb[10] = { SCSI_OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 8 };
	struct vscsi_cmd cmd = {
		.cdb = cdb, .cdb_len = 10, .data_in = buf, .in_len = 4096,
	};

	(void)state;
	/* unit attentions that mean nothing to the owner */
	assert_int_equal(scsi_ua_event(SCSI_ASC_ASCQ(0x2A, 0x01)), 0);
	assert_int_equal(scsi_ua_event(SCSI_ASCQ_INQUIRY_CHANGED), 0);
	assert_int_equal(scsi_ua_event(SCSI_ASC_ASCQ(0x47, 0x00)), 0);
	assert_int_equal(scsi_ua_event(SCSI_ASCQ_LUNS_CHANGED), SCSI_EV_LUNS_CHANGED);
	/* a queue asked for with impossible slot numbers */
	assert_int_equal(vq_create(&vq, &r->c.vp, 2, 256, 0, 4), VS_E_INVAL);
	assert_int_equal(vq_create(&vq, &r->c.vp, 2, 256, VQ_MAX_SLOTS + 1, 4),
			 VS_E_INVAL);
	assert_int_equal(vq_create(&vq, &r->c.vp, 2, 256, 1, 0), VS_E_INVAL);
	vs_memset(&vq, 0, sizeof(vq));
	vq_destroy(&vq);		/* never created: nothing to free */
	/* chains longer than VQ_WANT_SLOT_DESCS get slots of their size */
	{
		struct rig *fresh = rig_new(true);

		assert_int_equal(vp_probe(&fresh->c.vp, &fresh->fd.plat), VS_OK);
		assert_int_equal(vq_create(&vq, &fresh->c.vp, 1, 64, 4, 16), VS_OK);
		assert_int_equal(vq.slot_descs, 16);
		vq_destroy(&vq);
		assert_int_equal(fake_active_maps(&fresh->fd), 0);
		rig_free(fresh);
	}
	/* a command that maps in more pieces than fit, with no way to shrink */
	r->c.seg_max = 2;
	r->fd.map_limit = 512;
	assert_int_equal(scsi_command(&r->c, &cmd), VS_E_BADSIZE);
	r->fd.map_limit = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_format),
		cmocka_unit_test(test_log_lines),
		cmocka_unit_test(test_dma_alloc_failure),
		cmocka_unit_test(test_notify_off_out_of_range),
		cmocka_unit_test(test_config_generation),
		cmocka_unit_test(test_bad_capabilities),
		cmocka_unit_test(test_legacy_ring_unreachable),
		cmocka_unit_test_setup_teardown(test_used_no_notify, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_restart_fails, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_event_ring_restart, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_request_rescan, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_submit_checks, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_api_edges, setup_modern, teardown_rig),
	};

	return cmocka_run_group_tests_name("paths", tests, NULL, NULL);
}
