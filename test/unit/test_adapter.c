/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of the virtio-scsi adapter (virtio_scsi.c): framing
 * (§5.6.6.1), LUN encoding, response mapping, the checks on
 * device-written response fields and on the caller's requests, deadlines
 * and timeouts, transfer limits, task management (§5.6.6.2), events,
 * halts and restarts.
 */
#include "helpers.h"
#include "spec/virtio_scsi.h"
#include "vscsi/scsi_inventory.h"

static const uint8_t inquiry[6] = { SCSI_OP_INQUIRY, 0, 0, 0, 36, 0 };

/** The request header and response are exactly 19+cdb / 12+sense bytes. */
static void test_framing(void **state)
{
	struct rig *r = *state;
	uint8_t buf[36];
	uint64_t id;

	assert_int_equal(rig_cmd_in(r, 0, 0, inquiry, 6, buf, 36, NULL), VS_OK);
	assert_int_equal(r->fd.last_req_len, 19 + 32);
	assert_int_equal(r->fd.last_resp_len, 12 + 96);
	/* CDB copied and zero padded to cdb_size */
	assert_memory_equal(r->fd.last_cdb, inquiry, 6);
	assert_int_equal(r->fd.last_cdb[6] | r->fd.last_cdb[31], 0);
	id = r->fd.last_id;
	assert_int_equal(rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL), VS_OK);
	assert_int_equal(r->fd.last_id, id + 1);
}

/** §5.6.6.1: 1, target, flat-space single-level LUN, four zero bytes. */
static void test_lun_encoding(void **state)
{
	uint8_t lun[8];
	static const uint8_t want[8] = { 1, 3, 0x41, 0x2C, 0, 0, 0, 0 };
	static const uint8_t top[8] = { 1, 255, 0x7F, 0xFF, 0, 0, 0, 0 };

	(void)state;
	vscsi_encode_lun(lun, 3, 300);
	assert_memory_equal(lun, want, 8);
	vscsi_encode_lun(lun, 255, 16383);
	assert_memory_equal(lun, top, 8);
}

/** The LUN bytes reach the device for an addressed unit. */
static void test_lun_on_wire(void **state)
{
	struct rig *r = *state;
	uint8_t buf[36];
	struct vscsi_cmd out;

	fake_add_disk(&r->fd, 2, 5, 512, 64);
	assert_int_equal(rig_cmd_in(r, 2, 5, inquiry, 6, buf, 36, &out), VS_OK);
	assert_int_equal(r->fd.last_lun[0], 1);
	assert_int_equal(r->fd.last_lun[1], 2);
	assert_int_equal(r->fd.last_lun[2], 0x40);
	assert_int_equal(r->fd.last_lun[3], 5);
	assert_int_equal(out.in_done, 36);
	assert_int_equal(out.response, VIRTIO_SCSI_S_OK);
}

/** CHECK CONDITION: status, sense bytes and length reach the caller. */
static void test_sense_mapping(void **state)
{
	struct rig *r = *state;
	uint8_t cdb[6] = { 0xEE }, sense[96], small[8];
	struct vscsi_cmd cmd = {
		.cdb = cdb, .cdb_len = 6, .sense = sense, .sense_cap = 96,
		.timeout_us = 1000,
	};

	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_OK);
	assert_int_equal(cmd.status, SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(cmd.sense_len, 18);
	assert_int_equal(sense[2], SCSI_SK_ILLEGAL_REQUEST);
	assert_int_equal(sense[12], 0x20);
	/* a smaller sense buffer gets what fits */
	cmd.sense = small;
	cmd.sense_cap = sizeof(small);
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_OK);
	assert_int_equal(cmd.sense_len, sizeof(small));
}

/** BAD_TARGET comes back as a response, not as an error. */
static void test_bad_target(void **state)
{
	struct rig *r = *state;
	uint8_t buf[36];
	struct vscsi_cmd out;

	assert_int_equal(rig_cmd_in(r, 6, 0, inquiry, 6, buf, 36, &out), VS_OK);
	assert_int_equal(out.response, VIRTIO_SCSI_S_BAD_TARGET);
	assert_int_equal(out.in_done, 0);
}

/** Residual gives the bytes moved (the used length is not trusted). */
static void test_residual(void **state)
{
	struct rig *r = *state;
	uint8_t buf[200];
	struct vscsi_cmd out;
	uint8_t cdb[6] = { SCSI_OP_INQUIRY, 0, 0, 0, 200, 0 };

	assert_int_equal(rig_cmd_in(r, 0, 0, cdb, 6, buf, sizeof(buf), &out), VS_OK);
	assert_int_equal(out.in_done, 36);
}

/** Device-written nonsense: DEVICE error, nothing copied, still usable. */
static void test_bad_response_fields(void **state)
{
	static const enum fake_fault faults[] = {
		FAULT_SENSE_LEN, FAULT_RESIDUAL, FAULT_RESPONSE,
	};
	struct rig *r = *state;
	uint8_t buf[36], sense[96];
	unsigned i;

	for (i = 0; i < 3; i++) {
		struct vscsi_cmd cmd = {
			.cdb = inquiry, .cdb_len = 6, .data_in = buf, .in_len = 36,
			.sense = sense, .sense_cap = 96, .timeout_us = 1000,
		};

		r->fd.fault = faults[i];
		assert_int_equal(vscsi_exec(&r->c, &cmd), VS_E_DEVICE);
		assert_int_equal(cmd.sense_len, 0);
		r->fd.fault = FAULT_NONE;
		assert_int_equal(rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL), VS_OK);
	}
}

/** A request that never completes: TIMEOUT, device reset, no DMA left. */
static void test_timeout_resets(void **state)
{
	struct rig *r = *state;
	uint8_t buf[4096];
	uint8_t cdb[10] = { SCSI_OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
	unsigned resets = r->fd.resets, maps = fake_active_maps(&r->fd);
	uint64_t t0 = r->fd.now_us;

	r->fd.fault = FAULT_DROP;
	assert_int_equal(rig_cmd_in(r, 0, 0, cdb, 10, buf, sizeof(buf), NULL),
			 VS_E_TIMEOUT);
	assert_true(r->fd.now_us - t0 >= 1000);
	assert_int_equal(r->fd.resets, resets + 1);
	assert_int_equal(fake_active_maps(&r->fd), maps);	/* data unmapped */
	assert_true(r->fd.status & VIRTIO_STATUS_DRIVER_OK);	/* set up again */
	r->fd.fault = FAULT_NONE;
	assert_int_equal(rig_cmd_in(r, 0, 0, cdb, 10, buf, sizeof(buf), NULL), VS_OK);
	assert_int_equal(r->c.resets, 1);
}

/** A mapping that comes back in pieces becomes several descriptors. */
static void test_segmented_mapping(void **state)
{
	struct rig *r = *state;
	uint8_t *buf = calloc(1, 64 * 512);
	uint8_t cdb[10] = { SCSI_OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 64, 0 };
	struct vscsi_cmd out;

	unsigned segs = r->c.max_segs;

	memset(r->fd.lun[0][0].data, 0x77, 64 * 512);
	/* pieces of 4 KiB (8 of them) or what the slot's descriptors need */
	r->fd.map_limit = segs >= 8 ? 4096 : (64 * 512 / segs + 511) / 512 * 512;
	assert_int_equal(rig_cmd_in(r, 0, 0, cdb, 10, buf, 64 * 512, &out), VS_OK);
	assert_int_equal(r->fd.last_segments,
			 (64 * 512 + r->fd.map_limit - 1) / r->fd.map_limit);
	assert_true(r->fd.last_segments > 1);
	assert_int_equal(out.in_done, 64 * 512);
	assert_int_equal(buf[64 * 512 - 1], 0x77);
	/* more pieces than a slot has descriptors: BADSIZE, nothing sent */
	r->fd.map_limit = 256;
	assert_int_equal(rig_cmd_in(r, 0, 0, cdb, 10, buf, 64 * 512, NULL),
			 VS_E_BADSIZE);
	free(buf);
}

/** seg_max below the slot size limits the segments per request. */
static void test_seg_max(void **state)
{
	struct rig *r = rig_new(true);

	(void)state;
	r->fd.seg_max = 3;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	assert_int_equal(r->c.max_segs, 3);
	vscsi_fini(&r->c);
	rig_free(r);
}

/** TMFs on the control queue and their responses. */
static void test_tmf(void **state)
{
	struct rig *r = *state;

	assert_int_equal(vscsi_tmf(&r->c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 0, 0),
			 VS_OK);
	assert_int_equal(r->fd.last_tmf_subtype, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET);
	assert_int_equal(vscsi_tmf(&r->c, VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET, 5, 0),
			 VS_E_NOTARGET);
	r->fd.tmf_response = VIRTIO_SCSI_S_FUNCTION_REJECTED;
	assert_int_equal(vscsi_tmf(&r->c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 0, 0),
			 VS_E_UNSUPPORTED);
	r->fd.tmf_response = VIRTIO_SCSI_S_FAILURE;
	assert_int_equal(vscsi_tmf(&r->c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 0, 0),
			 VS_E_DEVICE);
	assert_int_equal(vscsi_tmf(&r->c, 0, 0, 20000), VS_E_INVAL);
	assert_int_equal(r->fd.tmfs, 4);
}

/** Halt resets the device (ExitBootServices) and a command restarts it. */
static void test_halt_and_restart(void **state)
{
	struct rig *r = *state;

	vscsi_halt(&r->c);
	assert_int_equal(r->fd.status, 0);
	assert_false(r->fd.q[VIRTIO_SCSI_VQ_REQUEST].enabled);
	assert_int_equal(rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL), VS_OK);
	assert_true(r->fd.status & VIRTIO_STATUS_DRIVER_OK);
}

/** Events: decoded, checked, buffers posted again; overflow is "missed". */
static void test_events(void **state)
{
	struct rig *r = *state;
	struct vscsi_event ev;
	unsigned i;

	assert_int_equal(vscsi_poll_event(&r->c, &ev), 0);
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 3, 7,
				    VIRTIO_SCSI_EVT_RESET_RESCAN));
	assert_int_equal(vscsi_poll_event(&r->c, &ev), 1);
	assert_int_equal(ev.type, VIRTIO_SCSI_T_TRANSPORT_RESET);
	assert_true(ev.has_lun);
	assert_false(ev.missed);
	assert_int_equal(ev.target, 3);
	assert_int_equal(ev.lun, 7);
	assert_int_equal(ev.reason, VIRTIO_SCSI_EVT_RESET_RESCAN);
	assert_int_equal(vscsi_poll_event(&r->c, &ev), 0);

	/* more events than buffers: the device flags the loss */
	for (i = 0; i < VSCSI_EVENT_BUFS + 2; i++)
		fake_send_event(&r->fd, VIRTIO_SCSI_T_PARAM_CHANGE, 0, 0, 0x092A);
	for (i = 0; i < VSCSI_EVENT_BUFS; i++) {
		assert_int_equal(vscsi_poll_event(&r->c, &ev), 1);
		assert_int_equal(ev.type, VIRTIO_SCSI_T_PARAM_CHANGE);
		/* §5.6.6.3.2: ASC in bits 0-7, ASCQ in bits 8-15 */
		assert_int_equal(ev.asc_ascq, SCSI_ASCQ_CAPACITY_CHANGED);
	}
	assert_int_equal(vscsi_poll_event(&r->c, &ev), 0);
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_PARAM_CHANGE, 0, 0, 0));
	assert_int_equal(vscsi_poll_event(&r->c, &ev), 1);
	assert_true(ev.missed);

	/* a unit we cannot address: logged, comes back without a unit */
	r->c.max_target = 2;
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 5, 0,
				    VIRTIO_SCSI_EVT_RESET_REMOVED));
	assert_int_equal(vscsi_poll_event(&r->c, &ev), 1);
	assert_false(ev.missed);
	assert_false(ev.has_lun);

	/* a buffer the device filled short, or not at all: lost events */
	assert_true(fake_send_event_len(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET,
					1, 0, VIRTIO_SCSI_EVT_RESET_REMOVED, 15));
	assert_int_equal(vscsi_poll_event(&r->c, &ev), 1);
	assert_true(ev.missed);
	assert_false(ev.has_lun);
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 1, 0,
				    VIRTIO_SCSI_EVT_RESET_REMOVED));
	assert_int_equal(vscsi_poll_event(&r->c, &ev), 1);
	assert_true(ev.has_lun);
	/* a device that writes nothing into each buffer: lost events each
	 * time, never an old event read again */
	for (i = 0; i < VSCSI_EVENT_BUFS; i++)
		assert_true(fake_send_event_len(&r->fd, 0, 0, 0, 0, 0));
	for (i = 0; i < VSCSI_EVENT_BUFS; i++) {
		assert_int_equal(vscsi_poll_event(&r->c, &ev), 1);
		assert_true(ev.missed);
		assert_int_equal(ev.type, VIRTIO_SCSI_T_NO_EVENT);
	}
}

/** After vscsi_stop (ExitBootServices) nothing sets the device up again. */
static void test_stop_for_good(void **state)
{
	struct rig *r = *state;
	uint8_t tur[6] = { SCSI_OP_TEST_UNIT_READY };

	vscsi_stop(&r->c);
	assert_int_equal(r->fd.status, 0);
	assert_int_equal(rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL), VS_E_DEVICE);
	assert_int_equal(vscsi_tmf(&r->c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 0, 0),
			 VS_E_DEVICE);
	assert_int_equal(r->fd.status, 0);
	assert_int_equal(r->fd.requests, 0);
}

/** A device that will not reset loses bus mastering before any free. */
static void test_reset_stuck(void **state)
{
	struct rig *r = *state;
	uint16_t cmd;

	r->fd.pci[PCI_COMMAND] |= PCI_COMMAND_BUS_MASTER;
	r->fd.reset_stuck = true;
	vscsi_fini(&r->c);
	cmd = r->fd.pci[PCI_COMMAND] | r->fd.pci[PCI_COMMAND + 1] << 8;
	assert_false(cmd & PCI_COMMAND_BUS_MASTER);
	assert_true(r->fd.status & VIRTIO_STATUS_DRIVER_OK);	/* it ignored us */
}

/**
 * A device that writes only the response, yet says (residual 0) that all
 * data arrived: the used length contradicts it, so the read fails rather
 * than hand back stale memory as data.
 */
static void test_used_len_vs_residual(void **state)
{
	struct rig *r = *state;
	uint8_t cdb[6] = { SCSI_OP_INQUIRY, 0, 0, 0, 36, 0 };
	uint8_t buf[36];

	memset(buf, 0xAA, sizeof(buf));
	r->fd.plat.log_level = VS_LOG_ERR;
	r->fd.fault = FAULT_RESP_ONLY;
	assert_int_equal(rig_cmd_in(r, 0, 0, cdb, 6, buf, sizeof(buf), NULL),
			 VS_E_DEVICE);
	assert_non_null(strstr(r->fd.last_log, "used length"));
	r->fd.fault = FAULT_NONE;
	assert_int_equal(rig_cmd_in(r, 0, 0, cdb, 6, buf, sizeof(buf), NULL), VS_OK);
	/* QEMU's used length (whole buffers) is consistent with any residual */
	r->fd.qemu_used_len = true;
	assert_int_equal(rig_cmd_in(r, 0, 0, cdb, 6, buf, sizeof(buf), NULL), VS_OK);
}

/**
 * A stop (ExitBootServices) with a request in flight: the request ends
 * with an error, not the slot's earlier outcome, and waiting for it ends,
 * even when the ring then shows a bad entry.
 */
static void test_stop_in_flight(void **state)
{
	struct rig *r = *state;
	uint8_t tur[6] = { SCSI_OP_TEST_UNIT_READY };
	struct vscsi_cmd ok = { .cdb = tur, .cdb_len = 6, .timeout_us = 1000 };
	struct vscsi_cmd lost = ok, bad = ok;
	int slot;

	assert_int_equal(vscsi_exec(&r->c, &ok), VS_OK);	/* slot 0: VS_OK */
	r->fd.fault = FAULT_DROP;
	slot = vscsi_submit(&r->c, &lost);
	assert_int_equal(slot, 0);
	vscsi_kick(&r->c);
	vscsi_stop(&r->c);
	assert_int_equal(vscsi_complete(&r->c, slot), VS_E_TIMEOUT);

	/* again, with a used entry that names no request */
	vscsi_fini(&r->c);
	r->fd.fault = FAULT_NONE;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	assert_int_equal(vscsi_exec(&r->c, &ok), VS_OK);
	r->fd.fault = FAULT_USED_ID;
	slot = vscsi_submit(&r->c, &bad);
	vscsi_kick(&r->c);
	vscsi_stop(&r->c);
	assert_int_equal(vscsi_complete(&r->c, slot), VS_E_DEVICE);
	r->fd.fault = FAULT_NONE;
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
	n = r->c.reqq->slots;
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

/**
 * A request in flight and a task management function are waited for
 * with the CPU's spin hint against the clock, never with delay_us (a
 * firmware's Stall may exit to the host on every call); delay_us is for
 * the deliberate pauses only.
 */
static void test_wait_without_delay(void **state)
{
	struct rig *r = *state;
	struct vscsi_cmd cmd = { .cdb = tur, .cdb_len = 6 };
	unsigned reads;

	r->fd.deferred = true;
	r->fd.latency_us = 5000;
	r->fd.delays = 0;
	reads = r->fd.now_reads;
	assert_int_equal(vscsi_exec(&r->c, &cmd), VS_OK);
	assert_int_equal(vscsi_tmf(&r->c, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
				   0, 0), VS_OK);
	assert_int_equal(r->fd.delays, 0);
	assert_true(r->fd.now_reads - reads > 1);	/* it polled */
	/* busy: a deliberate pause between sends */
	r->fd.busy_count = 1;
	assert_int_equal(scsi_command(&r->c, &cmd, NULL), VS_OK);
	assert_int_equal(r->fd.delays, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_framing, setup_modern, teardown_rig),
		cmocka_unit_test(test_lun_encoding),
		cmocka_unit_test_setup_teardown(test_lun_on_wire, setup_legacy, teardown_rig),
		cmocka_unit_test_setup_teardown(test_sense_mapping, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_bad_target, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_residual, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_bad_response_fields, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_timeout_resets, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_timeout_resets, setup_legacy, teardown_rig),
		cmocka_unit_test_setup_teardown(test_segmented_mapping, setup_modern, teardown_rig),
		cmocka_unit_test(test_seg_max),
		cmocka_unit_test_setup_teardown(test_tmf, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_halt_and_restart, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_events, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_events, setup_legacy, teardown_rig),
		cmocka_unit_test_setup_teardown(test_stop_for_good, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_reset_stuck, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_used_len_vs_residual, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_stop_in_flight, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_submit_checks, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_request_deadline, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_tmf_deadline, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_restart_fails, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_event_ring_restart, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_wait_without_delay, setup_modern, teardown_rig),
	};

	return cmocka_run_group_tests_name("adapter", tests, NULL, NULL);
}
