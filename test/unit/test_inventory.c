/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of the unit inventory: the scan (gaps, REPORT LUNS out of
 * order, targets without REPORT LUNS), hot-plug and removal events, the
 * rescan diff, lost, short and stale events, capacity and media changes,
 * the size limit, and events a device should not send.
 */
#include "helpers.h"
#include "vscsi/scsi_inventory.h"

/** What the platform was told. */
struct told {
	unsigned added, removed, changed;
	uint8_t last_t;
	uint16_t last_l;
	bool hold;		/**< keep removed units (release later) */
	struct scsi_unit *held[8];
	unsigned nheld;
};

static void on_added(struct scsi_inventory *inv, struct scsi_unit *u)
{
	struct told *t = inv->ctx;

	t->added++;
	t->last_t = u->info.target;
	t->last_l = u->info.lun;
	assert_int_equal(u->state, SCSI_UNIT_LISTED);
	assert_ptr_equal(scsi_inv_find(inv, u->info.target, u->info.lun), u);
}

static void on_removed(struct scsi_inventory *inv, struct scsi_unit *u)
{
	struct told *t = inv->ctx;

	t->removed++;
	t->last_t = u->info.target;
	t->last_l = u->info.lun;
	assert_int_equal(u->state, SCSI_UNIT_LEAVING);
	assert_null(scsi_inv_find(inv, u->info.target, u->info.lun));
	if (t->hold && t->nheld < 8)
		t->held[t->nheld++] = u;
	else
		scsi_inv_release(inv, u);
}

static void on_changed(struct scsi_inventory *inv, struct scsi_unit *u)
{
	struct told *t = inv->ctx;

	t->changed++;
	t->last_t = u->info.target;
	t->last_l = u->info.lun;
}

static const struct scsi_inventory_ops ops = {
	.added = on_added, .removed = on_removed, .changed = on_changed,
};

/** A rig, its inventory, and what the callbacks saw. */
struct inv_rig {
	struct rig *r;
	struct scsi_inventory inv;
	struct told told;
};

/** Restart the adapter on the fake's current layout, inventory empty. */
static struct inv_rig *inv_rig(struct rig *r)
{
	struct inv_rig *ir = calloc(1, sizeof(*ir));

	ir->r = r;
	vscsi_fini(&r->c);
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	scsi_inv_init(&ir->inv, &r->c, &ops, &ir->told);
	return ir;
}

/** Assert the list is exactly @p n units, strictly ascending. */
static void assert_sorted(struct scsi_inventory *inv, unsigned n)
{
	unsigned i;
	uint32_t prev = 0, key;

	assert_int_equal(scsi_inv_count(inv), n);
	for (i = 0; i < n; i++) {
		struct scsi_unit *u = scsi_inv_at(inv, i);

		key = (uint32_t)u->info.target << 16 | u->info.lun;
		if (i)
			assert_true(key > prev);
		prev = key;
		assert_int_equal(scsi_inv_index(inv, u->info.target, u->info.lun), i);
	}
}

static void teardown(struct inv_rig *ir)
{
	free(ir);
}

/** Gaps in targets and LUNs, REPORT LUNS in descending order: sorted. */
static void test_scan_sorted(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;
	struct scsi_unit *u;

	fake_add_disk(&r->fd, 0, 3, 512, 64);
	fake_add_disk(&r->fd, 3, 1, 512, 64);	/* no LUN 0 on target 3 */
	fake_add_disk(&r->fd, 5, 0, 4096, 16);
	fake_add_disk(&r->fd, 5, 2, 512, 64);
	r->fd.lun[5][2].pdt = SCSI_PDT_CDROM;
	fake_add_disk(&r->fd, 6, 4, 512, 64);
	r->fd.lun[6][4].pdt = 0x08;		/* medium changer: no disk */
	r->fd.report_luns_reverse = true;
	r->fd.max_target = 7;
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, 6);
	assert_int_equal(ir->told.added, 6);
	assert_int_equal(scsi_inv_index(&ir->inv, 0, 3), 1);
	assert_int_equal(scsi_inv_index(&ir->inv, 3, 1), 2);
	assert_int_equal(scsi_inv_index(&ir->inv, 3, 0), -1);
	assert_int_equal(scsi_inv_index(&ir->inv, 4, 0), -1);
	u = scsi_inv_find(&ir->inv, 5, 0);
	assert_non_null(u);
	assert_true(u->has_disk);
	assert_int_equal(u->disk.block_size, 4096);
	assert_true(scsi_inv_find(&ir->inv, 5, 2)->has_disk);
	assert_int_equal(scsi_inv_find(&ir->inv, 5, 2)->disk.pdt, SCSI_PDT_CDROM);
	assert_false(scsi_inv_find(&ir->inv, 6, 4)->has_disk);
	/* a second scan of the same layout changes nothing */
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_int_equal(ir->told.added, 6);
	assert_int_equal(ir->told.removed, 0);
	teardown(ir);
}

/** A target without REPORT LUNS: its first LUNs are probed one by one. */
static void test_scan_probe(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;

	fake_add_disk(&r->fd, 1, 2, 512, 64);
	r->fd.target_no_report_luns[1] = true;
	r->fd.max_target = 1;
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, 2);
	assert_non_null(scsi_inv_find(&ir->inv, 1, 2));
	/* the probe is authoritative for what it probed */
	r->fd.lun[1][2].present = false;
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, 1);
	assert_int_equal(ir->told.removed, 1);
	teardown(ir);
}

/** Hot-plug: RESCAN lists the unit, REMOVED takes it off, once. */
static void test_hotplug_events(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;
	struct scsi_unit *u;

	r->fd.max_target = 3;
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, 1);
	fake_add_disk(&r->fd, 3, 7, 512, 128);
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 3, 7,
				    VIRTIO_SCSI_EVT_RESET_RESCAN));
	scsi_inv_poll(&ir->inv);
	assert_int_equal(ir->told.added, 2);
	u = scsi_inv_find(&ir->inv, 3, 7);
	assert_non_null(u);
	assert_true(u->has_disk);
	assert_int_equal(u->disk.last_lba, 127);
	assert_sorted(&ir->inv, 2);
	/* the same event again: already listed, nothing new */
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 3, 7,
				    VIRTIO_SCSI_EVT_RESET_RESCAN));
	scsi_inv_poll(&ir->inv);
	assert_int_equal(ir->told.added, 2);

	r->fd.lun[3][7].present = false;
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 3, 7,
				    VIRTIO_SCSI_EVT_RESET_REMOVED));
	scsi_inv_poll(&ir->inv);
	assert_int_equal(ir->told.removed, 1);
	assert_int_equal(ir->told.last_t, 3);
	assert_int_equal(ir->told.last_l, 7);
	assert_sorted(&ir->inv, 1);
	/*
	 * The device completes the same buffer with length 0: nothing was
	 * written, so the old "3:7 removed" must not be read again.  It
	 * counts as lost events: a rescan, which removes nothing more.
	 */
	assert_true(fake_send_event_len(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET,
					3, 7, VIRTIO_SCSI_EVT_RESET_REMOVED, 0));
	scsi_inv_poll(&ir->inv);
	assert_int_equal(ir->told.removed, 1);
	assert_int_equal(ir->inv.rescans, 2);
	teardown(ir);
}

/** A buffer filled short of a whole event means: rescan. */
static void test_short_event(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;

	r->fd.max_target = 2;
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	fake_add_disk(&r->fd, 2, 0, 512, 64);	/* arrives without an event */
	assert_true(fake_send_event_len(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET,
					0, 0, VIRTIO_SCSI_EVT_RESET_REMOVED, 8));
	scsi_inv_poll(&ir->inv);
	/* 0:0 was not removed on half an event; the rescan found 2:0 */
	assert_non_null(scsi_inv_find(&ir->inv, 0, 0));
	assert_non_null(scsi_inv_find(&ir->inv, 2, 0));
	assert_int_equal(ir->told.removed, 0);
	assert_int_equal(ir->inv.rescans, 2);
	teardown(ir);
}

/** Lost events and REPORTED LUNS DATA HAS CHANGED: a rescan that diffs. */
static void test_rescan_diff(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;
	unsigned i;

	fake_add_disk(&r->fd, 0, 3, 512, 64);
	fake_add_disk(&r->fd, 2, 0, 512, 64);
	fake_add_disk(&r->fd, 2, 1, 512, 64);
	r->fd.max_target = 4;
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, 4);

	/* 0:3 and the whole of target 2 go, 1:5 and 4:0 come, silently */
	r->fd.lun[0][3].present = false;
	r->fd.lun[2][0].present = false;
	r->fd.lun[2][1].present = false;
	fake_add_disk(&r->fd, 1, 5, 512, 64);
	fake_add_disk(&r->fd, 4, 0, 512, 64);
	/* more events than buffers: the next one carries the missed flag */
	for (i = 0; i < VSCSI_EVENT_BUFS + 1; i++)
		fake_send_event(&r->fd, VIRTIO_SCSI_T_NO_EVENT, 0, 0, 0);
	scsi_inv_poll(&ir->inv);
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_NO_EVENT, 0, 0, 0));
	scsi_inv_poll(&ir->inv);
	assert_int_equal(ir->told.removed, 3);
	assert_int_equal(ir->told.added, 4 + 2);
	assert_sorted(&ir->inv, 3);
	assert_non_null(scsi_inv_find(&ir->inv, 0, 0));
	assert_non_null(scsi_inv_find(&ir->inv, 1, 5));
	assert_non_null(scsi_inv_find(&ir->inv, 4, 0));

	/* PARAM_CHANGE with REPORTED LUNS DATA HAS CHANGED (3Fh/0Eh) */
	fake_add_disk(&r->fd, 1, 6, 512, 64);
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_PARAM_CHANGE, 1, 0,
				    0x3F | 0x0E << 8));
	scsi_inv_poll(&ir->inv);
	assert_non_null(scsi_inv_find(&ir->inv, 1, 6));
	assert_sorted(&ir->inv, 4);

	/* a disk that saw the same as a UNIT ATTENTION asks for one too */
	fake_add_disk(&r->fd, 3, 0, 512, 64);
	scsi_inv_find(&ir->inv, 0, 0)->disk.events |= SCSI_EV_LUNS_CHANGED;
	scsi_inv_poll(&ir->inv);
	assert_non_null(scsi_inv_find(&ir->inv, 3, 0));
	teardown(ir);
}

/** A rescan that cannot ask, or gets half a list, removes nothing. */
static void test_rescan_keeps(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;

	fake_add_disk(&r->fd, 0, 1, 512, 64);
	fake_add_disk(&r->fd, 0, 2, 512, 64);
	r->fd.max_target = 1;
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, 3);

	/* every answer garbled: nothing known, nothing removed */
	r->fd.lun[0][2].present = false;
	r->fd.fault = FAULT_RESPONSE;
	scsi_inv_scan(&ir->inv);
	r->fd.fault = FAULT_NONE;
	assert_sorted(&ir->inv, 3);
	assert_int_equal(ir->told.removed, 0);

	/* the list says it holds more than it sent: 0:2 is kept */
	r->fd.report_luns_extra = 300;
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, 3);
	assert_int_equal(ir->told.removed, 0);

	/* a whole list: now it goes */
	r->fd.report_luns_extra = 0;
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, 2);
	assert_int_equal(ir->told.removed, 1);
	teardown(ir);
}

/** PARAM_CHANGE capacity (2Ah/09h) and a new medium: "changed". */
static void test_capacity_and_media(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;
	struct scsi_unit *u, *cd;

	fake_add_disk(&r->fd, 1, 0, 2048, 100);
	r->fd.lun[1][0].pdt = SCSI_PDT_CDROM;
	r->fd.lun[1][0].removable = true;
	r->fd.max_target = 1;
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	u = scsi_inv_find(&ir->inv, 0, 0);
	assert_int_equal(u->disk.last_lba, 2047);

	r->fd.lun[0][0].blocks = 4096;
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_PARAM_CHANGE, 0, 0,
				    0x2A | 0x09 << 8));
	scsi_inv_poll(&ir->inv);
	assert_int_equal(ir->told.changed, 1);
	assert_int_equal(u->disk.last_lba, 4095);

	/* the disc goes: the platform's check finds it and is told */
	cd = scsi_inv_find(&ir->inv, 1, 0);
	assert_true(cd->disk.present);
	r->fd.lun[1][0].sense_key = SCSI_SK_NOT_READY;
	r->fd.lun[1][0].asc = 0x3A;
	r->fd.lun[1][0].sense_count = ~0u;
	assert_int_equal(scsi_inv_check_media(&ir->inv, cd), SCSI_MEDIA_CHANGED);
	assert_int_equal(ir->told.changed, 2);
	assert_false(cd->disk.present);
	assert_int_equal(scsi_inv_check_media(&ir->inv, cd), SCSI_MEDIA_SAME);
	assert_int_equal(ir->told.changed, 2);
	/* still listed: an empty drive is a unit */
	assert_ptr_equal(scsi_inv_find(&ir->inv, 1, 0), cd);
	teardown(ir);
}

/**
 * The self-tests: healthy, they pass and report what they saw; they change
 * no state (a new capacity is reported, not taken); a device that stops
 * answering or was reset fails them.
 */
static void test_self_tests(void **state)
{
	struct rig *r = *state;
	struct vscsi_health h;
	struct scsi_disk_health dh;
	struct inv_rig *ir;
	struct scsi_unit *u, *cd;
	uint8_t block[512];

	fake_add_disk(&r->fd, 2, 1, 512, 64);
	fake_add_disk(&r->fd, 3, 0, 2048, 100);
	r->fd.lun[3][0].pdt = SCSI_PDT_CDROM;
	r->fd.lun[3][0].removable = true;
	r->fd.max_target = 3;
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_true(scsi_inv_self_test(&ir->inv, &h));
	assert_int_equal(h.status & VIRTIO_STATUS_DRIVER_OK, VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(h.queues_live, VSCSI_QUEUES);
	assert_int_equal(h.target, 0);
	assert_int_equal(h.tur_rc, VS_OK);

	u = scsi_inv_find(&ir->inv, 2, 1);
	memcpy(r->fd.lun[2][1].data, "LBA0", 4);
	assert_true(scsi_disk_self_test(&u->disk, block, &dh));
	assert_int_equal(dh.inquiry_rc, VS_OK);
	assert_int_equal(dh.blocks, 64);
	assert_false(dh.changed);
	assert_int_equal(dh.read_rc, VS_OK);
	assert_memory_equal(block, "LBA0", 4);
	/* a new capacity: reported, not read, the disk's own untouched */
	r->fd.lun[2][1].blocks = 32;
	assert_true(scsi_disk_self_test(&u->disk, block, &dh));
	assert_true(dh.changed);
	assert_int_equal(dh.blocks, 32);
	assert_int_equal(dh.read_rc, VS_E_NOMEDIA);
	assert_int_equal(u->disk.last_lba, 63);
	assert_int_equal(ir->told.changed, 0);
	/* an empty drive passes: nothing to read */
	cd = scsi_inv_find(&ir->inv, 3, 0);
	r->fd.lun[3][0].sense_key = SCSI_SK_NOT_READY;
	r->fd.lun[3][0].asc = 0x3A;
	r->fd.lun[3][0].sense_count = ~0u;
	assert_true(scsi_disk_self_test(&cd->disk, block, &dh));
	assert_int_equal(dh.capacity_rc, VS_E_NOMEDIA);
	r->fd.lun[3][0].sense_count = 0;

	/* a device that drops requests: the round trip fails */
	r->fd.fault = FAULT_DROP;
	assert_false(scsi_inv_self_test(&ir->inv, &h));
	assert_int_not_equal(h.tur_rc, VS_OK);
	r->fd.fault = FAULT_NONE;
	/* reset and not started again: no queue live, no DRIVER_OK */
	vscsi_halt(&r->c);
	assert_false(vscsi_self_test(&r->c, 0, 0, &h));
	assert_int_equal(h.queues_live, 0);
	assert_int_equal(h.status & VIRTIO_STATUS_DRIVER_OK, 0);
	teardown(ir);
}

/** LUNs per target of overfill. */
#define OVERFILL_LUNS 250

/** Addresses of overfill's first and last refused units, for the log. */
static char first_refused[24], last_refused[16];

/**
 * Four units more than the table holds, 0:0 (the rig's) included, in
 * (target, LUN) order over targets of OVERFILL_LUNS LUNs; target 6 stays
 * free, max_target 7.
 */
static void overfill(struct rig *r)
{
	unsigned n;

	for (n = 1; n < SCSI_INV_MAX_UNITS + 4; n++)
		fake_add_disk(&r->fd, n / OVERFILL_LUNS, n % OVERFILL_LUNS, 512, 8);
	n = SCSI_INV_MAX_UNITS;
	vs_snprintf(first_refused, sizeof(first_refused), "scsi %u:%u: unit",
		 n / OVERFILL_LUNS, n % OVERFILL_LUNS);
	n = SCSI_INV_MAX_UNITS + 3;
	vs_snprintf(last_refused, sizeof(last_refused), "scsi %u:%u:",
		 n / OVERFILL_LUNS, n % OVERFILL_LUNS);
	r->fd.max_target = 7;
}

/** Capacity data with an impossible block size, for one LUN (LUN 5). */
static void bad_capacity_lun5(const uint8_t *cdb, uint8_t *data, uint32_t *len)
{
	(void)len;
	if (cdb[0] == SCSI_OP_SERVICE_ACTION_IN_16)
		put_be32(data + 8, 3);
}

/**
 * Bring-up of many units is pipelined: 8 targets x 8 LUNs come up in a
 * few rounds of requests (INQUIRY, READ CAPACITY, MODE SENSE, Block
 * Limits, each for up to a queue's worth of units at once), not a request
 * after another; a unit whose command fails costs only itself.
 */
static void test_bring_up_batched(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;
	unsigned t, l, notifies, n, disks = 0;

	for (t = 0; t < 8; t++)
		for (l = 0; l < 8; l++)
			if (t || l) {
				fake_add_disk(&r->fd, t, l, 512, 64);
				r->fd.lun[t][l].vpd_granularity = 8;
			}
	r->fd.max_target = 7;
	r->fd.lun[3][5].mangle = bad_capacity_lun5;
	ir = inv_rig(r);
	r->fd.max_in_flight = 0;
	notifies = r->fd.notifies[VIRTIO_SCSI_VQ_REQUEST];
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	n = r->fd.notifies[VIRTIO_SCSI_VQ_REQUEST] - notifies;
	print_message("64 units up in %u notifications\n", n);
	/* one round per step and window: REPORT LUNS, then 2 x 4 steps */
	assert_true(n <= 12);
	assert_int_equal(r->fd.max_in_flight, VSCSI_REQ_SLOTS);
	assert_sorted(&ir->inv, 64);
	for (t = 0; t < 64; t++) {
		struct scsi_unit *u = scsi_inv_at(&ir->inv, t);

		if (u->has_disk && (u->info.target || u->info.lun)) {
			disks++;
			assert_int_equal(u->disk.last_lba, 63);
			assert_int_equal(u->disk.opt_granularity, 8);
		}
	}
	/* 3:5 listed (its INQUIRY answered) without a disk; the rest whole */
	assert_int_equal(disks, 62);
	assert_true(scsi_inv_find(&ir->inv, 0, 0)->has_disk);
	assert_false(scsi_inv_find(&ir->inv, 3, 5)->has_disk);
	assert_int_equal(ir->told.added, 64);
	teardown(ir);
}

/** More units than the table holds: the rest are refused with a log line. */
static void test_size_limit(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;
	struct scsi_unit *first;

	overfill(r);
	r->fd.plat.log_level = VS_LOG_ERR;
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, SCSI_INV_MAX_UNITS);
	assert_non_null(strstr(r->fd.last_log, "unit table full"));
	first = scsi_inv_at(&ir->inv, 0);
	/* a hot-plug with the table full: refused, the rest untouched */
	fake_add_disk(&r->fd, 6, 0, 512, 8);
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 6, 0,
				    VIRTIO_SCSI_EVT_RESET_RESCAN));
	scsi_inv_poll(&ir->inv);
	assert_null(scsi_inv_find(&ir->inv, 6, 0));
	assert_ptr_equal(scsi_inv_at(&ir->inv, 0), first);
	assert_non_null(scsi_inv_find(&ir->inv, 0, 0));
	assert_int_equal(ir->told.removed, 0);
	/* a rescan with the table full removes nothing */
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, SCSI_INV_MAX_UNITS);
	assert_int_equal(ir->told.removed, 0);
	/* one unit goes: there is room for the next one */
	r->fd.lun[0][0].present = false;
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 0, 0,
				    VIRTIO_SCSI_EVT_RESET_REMOVED));
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 6, 0,
				    VIRTIO_SCSI_EVT_RESET_RESCAN));
	scsi_inv_poll(&ir->inv);
	assert_non_null(scsi_inv_find(&ir->inv, 6, 0));
	assert_sorted(&ir->inv, SCSI_INV_MAX_UNITS);
	teardown(ir);
}

/**
 * Every unit the full table refuses is named, up to
 * SCSI_INV_REFUSED_NAMES per quiet period; the rest are counted in one
 * line per scan.
 */
static void test_refused_named(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;
	unsigned l;

	/* 4 refused */
	overfill(r);
	r->fd.log_watch = "unit table full (";
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_int_equal(r->fd.log_watched, 4);
	assert_non_null(strstr(r->fd.last_log, last_refused));
	assert_non_null(strstr(r->fd.last_log, "unit table full"));
	/* 20 more: 24 refused, 12 named (16 in the period), 12 counted */
	for (l = 0; l < 10; l++) {
		fake_add_disk(&r->fd, 6, l, 512, 8);
		fake_add_disk(&r->fd, 7, l, 512, 8);
	}
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_int_equal(r->fd.log_watched, SCSI_INV_REFUSED_NAMES);
	assert_string_equal(r->fd.last_log,
			    "scsi: unit table full: 12 more units not listed");
	/* a scan within the period names none, counts them all */
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_int_equal(r->fd.log_watched, SCSI_INV_REFUSED_NAMES);
	assert_string_equal(r->fd.last_log,
			    "scsi: unit table full: 24 more units not listed");
	/* the next period names 16 again, first the first refused */
	r->fd.now_us += SCSI_INV_REFUSED_QUIET_US;
	r->fd.log_watch = first_refused;
	r->fd.log_watched = 0;
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_int_equal(r->fd.log_watched, 1);
	assert_string_equal(r->fd.last_log,
			    "scsi: unit table full: 8 more units not listed");
	assert_sorted(&ir->inv, SCSI_INV_MAX_UNITS);
	teardown(ir);
}

/**
 * A rescan whose REPORT LUNS fails with something else than BAD_TARGET
 * (a hardware error) probes the first LUNs instead: the target's units
 * are kept, but for one a probe finds gone.
 */
static void test_rescan_list_fails(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;

	fake_add_disk(&r->fd, 1, 0, 512, 64);
	fake_add_disk(&r->fd, 1, 3, 512, 64);
	fake_add_disk(&r->fd, 1, 20, 512, 64);	/* past the probed LUNs */
	r->fd.max_target = 1;
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, 4);

	/*
	 * LUN 0 answers every command (REPORT LUNS, INQUIRY) with an error,
	 * and 1:20 is gone: no list says so, no probe reaches it, so it and
	 * 1:0 are kept
	 */
	r->fd.lun[1][0].sense_key = SCSI_SK_HARDWARE_ERROR;
	r->fd.lun[1][0].asc = 0x44;
	r->fd.lun[1][0].sense_count = ~0u;
	r->fd.lun[1][20].present = false;
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, 4);
	assert_int_equal(ir->told.removed, 0);
	assert_non_null(scsi_inv_find(&ir->inv, 1, 0));
	assert_non_null(scsi_inv_find(&ir->inv, 1, 20));

	/* the probe's own word still counts: 1:3 answers it is not there */
	r->fd.lun[1][3].present = false;
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, 3);
	assert_int_equal(ir->told.removed, 1);
	assert_null(scsi_inv_find(&ir->inv, 1, 3));
	assert_non_null(scsi_inv_find(&ir->inv, 1, 20));

	/* a whole list again: now 1:20 goes */
	r->fd.lun[1][0].sense_count = 0;
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_sorted(&ir->inv, 2);
	assert_null(scsi_inv_find(&ir->inv, 1, 20));
	teardown(ir);
}

/** A removed unit keeps its storage until released; a twin gets new. */
static void test_release(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;
	struct scsi_unit *old, *twin;

	ir = inv_rig(r);
	ir->told.hold = true;
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	old = scsi_inv_find(&ir->inv, 0, 0);
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 0, 0,
				    VIRTIO_SCSI_EVT_RESET_REMOVED));
	scsi_inv_poll(&ir->inv);
	assert_int_equal(ir->told.nheld, 1);
	assert_int_equal(old->state, SCSI_UNIT_LEAVING);
	assert_false(old->disk.present);
	/* the same address comes back while the old one is leaving */
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 0, 0,
				    VIRTIO_SCSI_EVT_RESET_RESCAN));
	scsi_inv_poll(&ir->inv);
	twin = scsi_inv_find(&ir->inv, 0, 0);
	assert_non_null(twin);
	assert_ptr_not_equal(twin, old);
	assert_int_equal(old->state, SCSI_UNIT_LEAVING);
	scsi_inv_release(&ir->inv, old);
	assert_int_equal(old->state, SCSI_UNIT_FREE);
	assert_ptr_equal(scsi_inv_find(&ir->inv, 0, 0), twin);
	teardown(ir);
}

/**
 * Events the device should not send change nothing but a log line: a
 * unit beyond max_target/max_lun, a flood for an absent unit, a unit that
 * then fails INQUIRY.
 */
static void test_bad_events(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;
	unsigned i, requests;

	r->fd.max_target = 3;
	r->fd.max_lun = 15;
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	assert_int_equal(ir->inv.rescans, 1);

	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 5, 0,
				    VIRTIO_SCSI_EVT_RESET_REMOVED));
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 0, 40,
				    VIRTIO_SCSI_EVT_RESET_RESCAN));
	requests = r->fd.requests;
	scsi_inv_poll(&ir->inv);
	assert_int_equal(r->fd.requests, requests);	/* nothing sent */
	assert_non_null(strstr(r->fd.last_log, "beyond"));
	assert_int_equal(ir->inv.rescans, 1);
	assert_int_equal(ir->told.added + ir->told.removed, 1);

	/* a flood for a unit that is not there: one INQUIRY each, no change */
	for (i = 0; i < 100; i++) {
		fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 2, 3,
				VIRTIO_SCSI_EVT_RESET_RESCAN);
		scsi_inv_poll(&ir->inv);
	}
	assert_int_equal(ir->told.added, 1);
	assert_int_equal(ir->inv.rescans, 1);

	/* a unit that arrives but fails INQUIRY is not listed */
	fake_add_disk(&r->fd, 2, 3, 512, 8);
	r->fd.lun[2][3].inquiry_len = 3;
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 2, 3,
				    VIRTIO_SCSI_EVT_RESET_RESCAN));
	scsi_inv_poll(&ir->inv);
	assert_null(scsi_inv_find(&ir->inv, 2, 3));
	assert_non_null(strstr(r->fd.last_log, "2:3"));
	assert_int_equal(ir->told.added, 1);
	teardown(ir);
}

/** Odd but legal calls and events: nothing changes that should not. */
static void test_odd_events(void **state)
{
	struct rig *r = *state;
	struct inv_rig *ir;
	struct scsi_unit *u, *changer;

	fake_add_disk(&r->fd, 1, 0, 512, 64);
	r->fd.lun[1][0].pdt = 0x08;		/* a medium changer: no disk */
	r->fd.max_target = 2;
	ir = inv_rig(r);
	assert_int_equal(scsi_inv_scan(&ir->inv), VS_OK);
	u = scsi_inv_find(&ir->inv, 0, 0);
	changer = scsi_inv_find(&ir->inv, 1, 0);
	assert_non_null(changer);
	/* releasing a listed unit, checking a unit without a disk: no-ops */
	scsi_inv_release(&ir->inv, u);
	assert_int_equal(u->state, SCSI_UNIT_LISTED);
	assert_int_equal(scsi_inv_check_media(&ir->inv, changer), VS_E_NOMEDIA);
	/* a parameter change for it, an event type we never asked for */
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_PARAM_CHANGE, 1, 0,
				    0x2A | 0x09 << 8));
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_ASYNC_NOTIFY, 0, 0, 0));
	scsi_inv_poll(&ir->inv);
	assert_int_equal(ir->told.changed + ir->told.removed, 0);
	assert_int_equal(ir->inv.events, 2);
	/* a RESCAN for a listed unit that is gone: the probe removes it */
	r->fd.lun[1][0].present = false;
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 1, 0,
				    VIRTIO_SCSI_EVT_RESET_RESCAN));
	scsi_inv_poll(&ir->inv);
	assert_null(scsi_inv_find(&ir->inv, 1, 0));
	assert_int_equal(ir->told.removed, 1);
	/* a HARD reset of a unit still there: looked at, kept */
	assert_true(fake_send_event(&r->fd, VIRTIO_SCSI_T_TRANSPORT_RESET, 0, 0,
				    VIRTIO_SCSI_EVT_RESET_HARD));
	scsi_inv_poll(&ir->inv);
	assert_ptr_equal(scsi_inv_find(&ir->inv, 0, 0), u);
	teardown(ir);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scan_sorted, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_scan_probe, setup_legacy, teardown_rig),
		cmocka_unit_test_setup_teardown(test_hotplug_events, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_short_event, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_rescan_diff, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_rescan_keeps, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_capacity_and_media, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_bring_up_batched, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_size_limit, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_refused_named, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_rescan_list_fails, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_release, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_bad_events, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_odd_events, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_self_tests, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_request_rescan, setup_modern, teardown_rig),
	};

	return cmocka_run_group_tests_name("inventory", tests, NULL, NULL);
}
