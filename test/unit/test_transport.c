/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of the virtio-pci transport and the split virtqueue against
 * the fake device: initialisation (virtio 1.2 §3.1.1), capabilities,
 * feature and config negotiation, shared memory, ring wrap-around,
 * descriptor reuse, notification, resets, and the checks on what the
 * device writes into the used ring.
 */
#include "helpers.h"
#include "spec/virtio_scsi.h"

/** §3.1.1: the modern device ends DRIVER_OK with FEATURES_OK, 3 queues. */
static void test_init_modern(void **state)
{
	struct rig *r = *state;
	unsigned i;

	assert_true(r->c.own.vp.modern);
	assert_int_equal(r->fd.status, VIRTIO_STATUS_ACKNOWLEDGE |
			 VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
			 VIRTIO_STATUS_DRIVER_OK);
	/* only what is implemented and offered: VERSION_1, HOTPLUG,
	 * INDIRECT_DESC */
	assert_int_equal(r->fd.driver_features, (1ull << VIRTIO_F_VERSION_1) |
			 (1ull << VIRTIO_SCSI_F_HOTPLUG) |
			 (1ull << VIRTIO_F_INDIRECT_DESC));
	for (i = 0; i < FAKE_QUEUES; i++) {
		assert_true(r->fd.q[i].enabled);
		assert_true(vp_queue_live(&r->c.own.vp, i));
	}
	/* indirect: one entry a request, so no more entries than slots */
	assert_true(r->c.own.vq[2].indirect);
	assert_int_equal(r->fd.q[VIRTIO_SCSI_VQ_REQUEST].size, VSCSI_REQ_SLOTS);
	assert_int_equal(r->c.own.vq[2].q.size, VSCSI_REQ_SLOTS);
	assert_int_equal(r->c.reqq->slots, VSCSI_REQ_SLOTS);
	/* §5.6.5: event buffers are posted at start */
	assert_int_equal(r->c.own.vq[1].avail->idx, VSCSI_EVENT_BUFS);
	assert_int_equal(r->c.cdb_size, 32);
	assert_int_equal(r->c.sense_size, 96);
	/* after a reset the device holds none */
	vscsi_halt(&r->c);
	for (i = 0; i < FAKE_QUEUES; i++)
		assert_false(vp_queue_live(&r->c.own.vp, i));
}

/** The legacy I/O BAR path: no FEATURES_OK, full-size rings by PFN. */
static void test_init_legacy(void **state)
{
	struct rig *r = *state;
	uint8_t inq[36];

	assert_false(r->c.own.vp.modern);
	assert_int_equal(r->fd.status, VIRTIO_STATUS_ACKNOWLEDGE |
			 VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(r->fd.driver_features, (1ull << VIRTIO_SCSI_F_HOTPLUG) |
			 (1ull << VIRTIO_F_INDIRECT_DESC));
	assert_int_equal(r->c.own.vq[2].q.size, 256);	/* a legacy queue cannot shrink */
	assert_true(r->fd.q[VIRTIO_SCSI_VQ_CONTROL].enabled);
	assert_true(r->fd.q[VIRTIO_SCSI_VQ_EVENT].enabled);
	/* the device's own view of the queues (diagnostics read it) */
	assert_true(vp_queue_live(&r->c.own.vp, VIRTIO_SCSI_VQ_CONTROL));
	assert_true(vp_queue_live(&r->c.own.vp, VIRTIO_SCSI_VQ_REQUEST));
	/* §2.7.7: polled, so no used buffer notifications are wanted */
	assert_int_equal(r->c.own.vq[0].avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_int_equal(r->c.own.vq[1].avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_int_equal(r->c.own.vq[2].avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_int_equal(rig_cmd_in(r, 0, 0, (uint8_t[]){ SCSI_OP_INQUIRY, 0, 0, 0, 36, 0 },
				    6, inq, sizeof(inq), NULL), VS_OK);
	assert_memory_equal(inq + 8, "FAKE", 4);
}

/** ACCESS_PLATFORM is accepted when offered: all DMA is mapped. */
static void test_access_platform(void **state)
{
	struct rig *r = rig_new(true);

	(void)state;
	r->fd.features |= 1ull << VIRTIO_F_ACCESS_PLATFORM;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	assert_true(r->fd.driver_features & (1ull << VIRTIO_F_ACCESS_PLATFORM));
	vscsi_fini(&r->c);
	assert_int_equal(fake_active_maps(&r->fd), 0);
	rig_free(r);
}

/** A modern device that will not take the features ends FAILED. */
static void test_features_refused(void **state)
{
	struct rig *r = rig_new(true);

	(void)state;
	r->fd.refuse_features = true;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_REFUSED);
	assert_true(r->fd.status & VIRTIO_STATUS_FAILED);
	assert_int_equal(fake_active_maps(&r->fd), 0);
	rig_free(r);
}

/**
 * A device that never finishes a reset is not driven: init stops there
 * with VS_E_TIMEOUT, bus mastering cut, nothing allocated.
 */
static void test_reset_stuck_at_init(void **state)
{
	struct rig *r = rig_new(true);

	(void)state;
	r->fd.status = VIRTIO_STATUS_ACKNOWLEDGE;
	r->fd.pci[PCI_COMMAND] |= PCI_COMMAND_BUS_MASTER;
	r->fd.reset_stuck = true;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_TIMEOUT);
	assert_false(r->fd.pci[PCI_COMMAND] & PCI_COMMAND_BUS_MASTER);
	assert_int_equal(r->fd.dma_allocs, 0);
	assert_int_equal(fake_active_maps(&r->fd), 0);
	rig_free(r);
}

/**
 * A device an earlier stage left running (DRIVER_OK and queues live) is
 * reset before anything else, and that is logged and kept.
 */
static void test_found_running(void **state)
{
	struct rig *r = rig_new(false);

	(void)state;
	r->fd.status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		       VIRTIO_STATUS_DRIVER_OK;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	assert_int_equal(r->c.own.status_found, 0x07);
	assert_true(r->fd.resets >= 1);
	vscsi_fini(&r->c);
	rig_free(r);
}

/**
 * A register window the platform cannot reach is as if the device had
 * not offered it: a modern device whose BAR is refused is not driven; a
 * legacy one whose I/O BAR is refused neither.
 */
static void test_bar_unreachable(void **state)
{
	struct rig *r;

	(void)state;
	r = rig_new(true);
	r->fd.bars_unreachable = 1u << FAKE_BAR_MODERN;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_NODEV);
	assert_non_null(strstr(r->fd.last_log, "no usable interface"));
	assert_int_equal(r->fd.resets, 0);
	rig_free(r);

	r = rig_new(false);
	r->fd.bars_unreachable = 1u << 0;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_NODEV);
	assert_int_equal(r->fd.resets, 0);
	rig_free(r);
}

/** A modern device without VERSION_1 is not driven. */
static void test_no_version_1(void **state)
{
	struct rig *r = rig_new(true);

	(void)state;
	r->fd.features &= ~(1ull << VIRTIO_F_VERSION_1);
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_NODEV);
	assert_true(r->fd.status & VIRTIO_STATUS_FAILED);
	rig_free(r);
}

/** Not a virtio-scsi function: NODEV without touching it further. */
static void test_wrong_device(void **state)
{
	struct rig *r = rig_new(true);

	(void)state;
	put_le32(r->fd.pci, 0x10018086);
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_NODEV);
	rig_free(r);
}

/** Queue sizes 0 or not a power of two are refused, memory released. */
static void test_bad_queue_size(void **state)
{
	static const uint16_t sizes[] = { 0, 100 };
	unsigned i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct rig *r = rig_new(true);

		r->fd.q[VIRTIO_SCSI_VQ_REQUEST].max_size = sizes[i];
		assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_DEVICE);
		assert_int_equal(fake_active_maps(&r->fd), 0);
		assert_true(r->fd.status & VIRTIO_STATUS_FAILED);
		rig_free(r);
	}
}

/** Config fields out of range: refused, or rewritten where allowed. */
static void test_config_checks(void **state)
{
	struct rig *r;

	(void)state;
	r = rig_new(true);
	r->fd.seg_max = 0;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_DEVICE);
	rig_free(r);

	r = rig_new(true);
	r->fd.max_sectors = 0;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_DEVICE);
	rig_free(r);

	r = rig_new(true);
	r->fd.num_queues = 0;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_DEVICE);
	rig_free(r);

	/* §5.6.4: the driver may write cdb_size and sense_size */
	r = rig_new(true);
	r->fd.reset_cdb_size = 200;
	r->fd.reset_sense_size = 1000;
	r->fd.max_target = 4000;
	r->fd.max_lun = 100000;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	assert_int_equal(r->fd.cdb_size, 32);
	assert_int_equal(r->fd.sense_size, 96);
	assert_int_equal(r->c.cdb_size, 32);
	assert_int_equal(r->c.sense_size, 96);
	assert_int_equal(r->c.max_target, 255);
	assert_int_equal(r->c.max_lun, 16383);
	vscsi_fini(&r->c);
	rig_free(r);
}

/** A device that keeps a cdb_size we cannot frame READ(16) in: refused. */
static void test_config_readonly_sizes(void **state)
{
	struct rig *r = rig_new(true);

	(void)state;
	r->fd.config_readonly = true;
	r->fd.reset_cdb_size = 10;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_DEVICE);
	assert_true(r->fd.status & VIRTIO_STATUS_FAILED);
	assert_int_equal(fake_active_maps(&r->fd), 0);
	rig_free(r);
}

/** A device that keeps a smaller sense_size is framed with it. */
static void test_small_sense_size(void **state)
{
	struct rig *r = rig_new(true);
	uint8_t buf[36];

	(void)state;
	r->fd.reset_sense_size = 18;
	r->fd.reset_cdb_size = 16;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	assert_int_equal(rig_cmd_in(r, 0, 0, (uint8_t[]){ SCSI_OP_INQUIRY, 0, 0, 0, 36, 0 },
				    6, buf, sizeof(buf), NULL), VS_OK);
	/* the trap: header 19 + cdb_size, response 12 + sense_size exactly */
	assert_int_equal(r->fd.last_req_len, 19 + 16);
	assert_int_equal(r->fd.last_resp_len, 12 + 18);
	vscsi_fini(&r->c);
	assert_int_equal(r->fd.dma_errors, 0);
	rig_free(r);
}

/** Many more requests than ring entries and than 2^16: indices wrap. */
static void test_ring_wrap(void **state)
{
	struct rig *r = *state;
	unsigned i, failures = 0;

	for (i = 0; i < 70000; i++)
		failures += rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL) != VS_OK;
	assert_int_equal(failures, 0);
	assert_int_equal(r->fd.requests, 70000);
	assert_int_equal(r->c.own.vq[2].avail_idx, (uint16_t)70000);
	assert_int_equal(r->c.own.vq[2].last_used, (uint16_t)70000);
	/* one chain at a time, one notification each */
	assert_int_equal(r->fd.notifies[VIRTIO_SCSI_VQ_REQUEST], 70000);
}

/** Every request reuses the fixed descriptors of its slot. */
static void test_descriptor_reuse(void **state)
{
	struct rig *r = *state;
	uint8_t buf[4096];
	unsigned i;

	for (i = 0; i < 300; i++) {
		uint8_t cdb[10] = { SCSI_OP_READ_10 };

		put_be32(cdb + 2, i);
		put_be16(cdb + 7, 8);
		assert_int_equal(rig_cmd_in(r, 0, 0, cdb, 10, buf, 4096, NULL), VS_OK);
		assert_int_equal(r->fd.last_head, 0);
		assert_false(vs_queue_busy(r->c.reqq, 0));
	}
	/* driver-private bookkeeping, not the shared ring, says what is free */
	for (i = 0; i < r->c.reqq->slots; i++)
		assert_false(r->c.reqq->slot[i].in_flight);
}

/** Completions the driver has to poll for (device answers later). */
static void test_deferred_completion(void **state)
{
	struct rig *r = *state;
	uint8_t buf[512];
	uint8_t cdb[10] = { SCSI_OP_READ_10, 0, 0, 0, 0, 5, 0, 0, 1, 0 };
	uint64_t before = r->fd.now_us;

	r->fd.deferred = true;
	assert_int_equal(rig_cmd_in(r, 0, 0, cdb, 10, buf, 512, NULL), VS_OK);
	assert_true(r->fd.now_us > before);
}

/** A used id that is no chain head: DEVICE error, device reset, usable. */
static void test_bad_used_id(void **state)
{
	struct rig *r = *state;
	unsigned resets = r->fd.resets;

	assert_fault_then_recovery(r, FAULT_USED_ID, VS_E_DEVICE);
	assert_int_equal(r->fd.resets, resets + 1);
}

/** A used length beyond the whole chain: DEVICE error. */
static void test_bad_used_len(void **state)
{
	struct rig *r = *state;

	assert_fault_then_recovery(r, FAULT_USED_LEN, VS_E_DEVICE);
}

/**
 * A device that writes into a request's indirect table (device-readable
 * only, §2.7.5.3): DEVICE error with a log line, the device reset, usable.
 */
static void test_indirect_table_written(void **state)
{
	struct rig *r = *state;

	assert_true(r->c.own.vq[2].indirect);
	r->fd.log_watch = "wrote into the indirect table";
	assert_fault_then_recovery(r, FAULT_TABLE_WRITE, VS_E_DEVICE);
	assert_int_equal(r->fd.log_watched, 1);
	assert_true(r->fd.resets > 0);
}

/** QEMU's used length (readable data counted too) is accepted, clamped. */
static void test_qemu_used_len(void **state)
{
	struct rig *r = *state;
	uint8_t buf[4096] = { 1 };
	uint8_t cdb[10] = { SCSI_OP_WRITE_10, 0, 0, 0, 0, 9, 0, 0, 8, 0 };
	struct vscsi_cmd cmd = {
		.target = 0, .lun = 0, .cdb = cdb, .cdb_len = 10,
		.data_out = buf, .out_len = sizeof(buf), .timeout_us = 1000,
	};
	uint16_t slot;
	uint32_t len;

	r->fd.qemu_used_len = true;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_OK);
	assert_int_equal(cmd.out_done, sizeof(buf));
	/* vq_get_used clamps to the writable length */
	r->fd.deferred = true;
	assert_int_equal(vs_queue_add(r->c.reqq, 1,
		(struct vq_buf[]){ { r->c.mem_dev, 51, false },
				   { r->c.mem_dev + 64, 108, true } }, 2), VS_OK);
	vs_queue_kick(r->c.reqq);
	fake_process(&r->fd, VIRTIO_SCSI_VQ_REQUEST);
	assert_int_equal(vs_queue_take(r->c.reqq, &slot, &len), 1);
	assert_int_equal(slot, 1);
	assert_true(len <= 108);
}

/** The used index moving by more than is in flight: DEVICE error. */
static void test_used_idx_jump(void **state)
{
	struct rig *r = *state;

	assert_fault_then_recovery(r, FAULT_USED_IDX_JUMP, VS_E_DEVICE);
}

/** vs_queue_add refuses a busy slot, a slot out of range, too long chains. */
static void test_add_chain_limits(void **state)
{
	struct rig *r = *state;
	struct vq_buf bufs[VQ_MAX_SLOT_DESCS + 1];
	struct vs_queue *vq = r->c.reqq;

	memset(bufs, 0, sizeof(bufs));
	assert_int_equal(vs_queue_add(vq, vq->slots, bufs, 1), VS_E_INVAL);
	assert_int_equal(vs_queue_add(vq, 0, bufs, 0), VS_E_INVAL);
	assert_int_equal(vs_queue_add(vq, 0, bufs, vq->slot_descs + 1), VS_E_INVAL);
	r->fd.deferred = true;	/* keep it in flight */
	bufs[0] = (struct vq_buf){ r->c.mem_dev, 51, false };
	bufs[1] = (struct vq_buf){ r->c.mem_dev + 64, 108, true };
	assert_int_equal(vs_queue_add(vq, 2, bufs, 2), VS_OK);
	assert_int_equal(vs_queue_add(vq, 2, bufs, 2), VS_E_INVAL);
	assert_true(vs_queue_busy(vq, 2));
	vscsi_restart(&r->c);
	assert_false(vs_queue_busy(vq, 2));
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
	/* the same device with a steady generation starts */
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	vscsi_fini(&r->c);
	r->fd.generation_unstable = true;
	r->fd.log_watch = "config generation changed";
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_E_DEVICE);
	/* refused for that reason, not another */
	assert_true(r->fd.log_watched > 0);
	assert_int_equal(fake_active_maps(&r->fd), 0);
	rig_free(r);
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
	assert_true(r->c.own.vp.modern);
	assert_int_equal(r->c.own.vp.common.bar, 4);
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

/** A device that ignores a reset is given 1 s, then loses bus mastering. */
static void test_reset_deadline(void **state)
{
	struct rig *r = *state;
	uint64_t t0;

	r->fd.reset_stuck = true;
	t0 = r->fd.now_us;
	assert_int_equal(vp_reset(&r->c.own.vp), VS_E_TIMEOUT);
	assert_true(r->fd.now_us - t0 >= 1000000);
	assert_true(r->fd.now_us - t0 < 1000000 + 10000);
	r->fd.reset_stuck = false;
}

/** Queues asked for with impossible slot numbers; slots sized to chains. */
static void test_vq_create_edges(void **state)
{
	struct rig *r = *state;
	struct virtqueue vq;
	struct rig *fresh = rig_new(true);

	assert_int_equal(vq_create(&vq, &r->c.own.vp, 2, 256, 0, 4, false), VS_E_INVAL);
	assert_int_equal(vq_create(&vq, &r->c.own.vp, 2, 256, VQ_MAX_SLOTS + 1, 4, false),
			 VS_E_INVAL);
	assert_int_equal(vq_create(&vq, &r->c.own.vp, 2, 256, 1, 0, false), VS_E_INVAL);
	vs_memset(&vq, 0, sizeof(vq));
	vq_destroy(&vq);		/* never created: nothing to free */
	/* chains longer than VQ_WANT_SLOT_DESCS get slots of their size */
	assert_int_equal(vp_probe(&fresh->c.own.vp, &fresh->fd.plat), VS_OK);
	assert_int_equal(vq_create(&vq, &fresh->c.own.vp, 1, 64, 4, 16, false), VS_OK);
	assert_int_equal(vq.q.slot_descs, 16);
	vq_destroy(&vq);
	assert_int_equal(fake_active_maps(&fresh->fd), 0);
	rig_free(fresh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_modern, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_init_legacy, setup_legacy, teardown_rig),
		cmocka_unit_test(test_access_platform),
		cmocka_unit_test(test_features_refused),
		cmocka_unit_test(test_reset_stuck_at_init),
		cmocka_unit_test(test_found_running),
		cmocka_unit_test(test_bar_unreachable),
		cmocka_unit_test(test_no_version_1),
		cmocka_unit_test(test_wrong_device),
		cmocka_unit_test(test_bad_queue_size),
		cmocka_unit_test(test_config_checks),
		cmocka_unit_test(test_config_readonly_sizes),
		cmocka_unit_test(test_small_sense_size),
		cmocka_unit_test_setup_teardown(test_ring_wrap, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_ring_wrap, setup_legacy, teardown_rig),
		cmocka_unit_test_setup_teardown(test_descriptor_reuse, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_deferred_completion, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_bad_used_id, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_bad_used_len, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_indirect_table_written, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_indirect_table_written, setup_legacy, teardown_rig),
		cmocka_unit_test_setup_teardown(test_qemu_used_len, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_used_idx_jump, setup_legacy, teardown_rig),
		cmocka_unit_test_setup_teardown(test_add_chain_limits, setup_modern, teardown_rig),
		cmocka_unit_test(test_dma_alloc_failure),
		cmocka_unit_test(test_notify_off_out_of_range),
		cmocka_unit_test(test_config_generation),
		cmocka_unit_test(test_bad_capabilities),
		cmocka_unit_test(test_legacy_ring_unreachable),
		cmocka_unit_test_setup_teardown(test_used_no_notify, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_reset_deadline, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_vq_create_edges, setup_modern, teardown_rig),
	};

	return cmocka_run_group_tests_name("transport", tests, NULL, NULL);
}
