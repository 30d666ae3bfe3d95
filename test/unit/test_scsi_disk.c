/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of the SCSI layer: discovery (REPORT LUNS, INQUIRY
 * fallback), READ CAPACITY (10)/(16), transfer splitting, the sense-driven
 * retry policy, and checks on target data.
 */
#include "helpers.h"
#include "../common/pattern.h"

/** Fill a fake disk's backing store with the test pattern. */
static void fill_pattern(struct fake_lun *lu, uint64_t sectors)
{
	uint64_t i;

	for (i = 0; i < sectors; i++)
		pattern_fill(7, i, lu->data + i * 512);
}

/** INQUIRY then open, as the glue does. */
static int open_disk(struct rig *r, struct scsi_disk *d, uint8_t t, uint16_t l)
{
	struct scsi_lun_info info;
	int rc = scsi_inquiry(&r->c, t, l, &info);

	return rc == VS_OK ? scsi_disk_open(d, &r->c, &info) : rc;
}

/** Discovery: REPORT LUNS to a batch of targets, absent ones cost one each. */
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

/** Geometry from READ CAPACITY(10); reads verified against the pattern. */
static void test_read_pattern(void **state)
{
	struct rig *r = *state;
	struct scsi_disk d;
	uint8_t *buf = malloc(2048 * 512);
	uint64_t i;

	fill_pattern(&r->fd.lun[0][0], 2048);
	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	assert_int_equal(d.block_size, 512);
	assert_int_equal(d.last_lba, 2047);
	assert_false(d.use16);
	assert_false(d.read_only);
	assert_int_equal(scsi_disk_read(&d, 0, 2048, buf), VS_OK);
	for (i = 0; i < 2048; i++)
		assert_int_equal(pattern_check(7, i, buf + i * 512), -1);
	assert_int_equal(scsi_disk_read(&d, 2047, 2, buf), VS_E_INVAL);
	assert_int_equal(scsi_disk_read(&d, 2048, 1, buf), VS_E_INVAL);
	free(buf);
}

/** Transfers are split to max_sectors, each chunk at the right place. */
static void test_split_max_sectors(void **state)
{
	struct rig *r = rig_new(true);
	struct scsi_disk d;
	uint8_t *buf = malloc(1000 * 512);
	uint64_t i;

	(void)state;
	r->fd.max_sectors = 64;
	fill_pattern(&r->fd.lun[0][0], 2048);
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	assert_int_equal(d.max_blocks, 64);
	r->fd.requests = 0;
	assert_int_equal(scsi_disk_read(&d, 500, 1000, buf), VS_OK);
	assert_int_equal(r->fd.requests, 16);	/* ceil(1000 / 64) */
	for (i = 0; i < 1000; i++)
		assert_int_equal(pattern_check(7, 500 + i, buf + i * 512), -1);
	vscsi_fini(&r->c);
	assert_int_equal(r->fd.dma_errors, 0);
	free(buf);
	rig_free(r);
}

/** Writes land where they should; a read-back matches. */
static void test_write_read_back(void **state)
{
	struct rig *r = *state;
	struct scsi_disk d;
	uint8_t *buf = malloc(300 * 512);
	uint64_t i;

	for (i = 0; i < 300; i++)
		pattern_fill(9, 100 + i, buf + i * 512);
	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	assert_int_equal(scsi_disk_write(&d, 100, 300, buf), VS_OK);
	for (i = 0; i < 300; i++)
		assert_int_equal(pattern_check(9, 100 + i,
				 r->fd.lun[0][0].data + (100 + i) * 512), -1);
	assert_int_equal(r->fd.lun[0][0].data[99 * 512], 0);
	assert_int_equal(r->fd.lun[0][0].data[400 * 512], 0);
	memset(buf, 0, 300 * 512);
	assert_int_equal(scsi_disk_read(&d, 100, 300, buf), VS_OK);
	for (i = 0; i < 300; i++)
		assert_int_equal(pattern_check(9, 100 + i, buf + i * 512), -1);
	assert_int_equal(scsi_disk_flush(&d), VS_OK);
	assert_int_equal(r->fd.last_cdb[0], SCSI_OP_SYNCHRONIZE_CACHE_10);
	free(buf);
}

/**
 * SYNCHRONIZE CACHE only when the Caching page says a write cache is on
 * (or the unit has no such page) and something was written since the
 * last flush.
 */
static void test_flush_policy(void **state)
{
	struct rig *r = *state;
	struct scsi_disk d;
	uint8_t buf[512] = { 0 };
	unsigned before;

	fake_add_disk(&r->fd, 0, 1, 512, 64);
	fake_add_disk(&r->fd, 0, 2, 512, 64);
	r->fd.lun[0][1].no_write_cache = true;
	r->fd.lun[0][2].no_caching_page = true;
	/* write cache on: nothing written, nothing sent; then one flush */
	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	assert_true(d.write_cache);
	before = r->fd.requests;
	assert_int_equal(scsi_disk_flush(&d), VS_OK);
	assert_int_equal(r->fd.requests, before);
	assert_int_equal(scsi_disk_write(&d, 3, 1, buf), VS_OK);
	before = r->fd.requests;
	assert_int_equal(scsi_disk_flush(&d), VS_OK);
	assert_int_equal(r->fd.requests, before + 1);
	assert_int_equal(r->fd.last_cdb[0], SCSI_OP_SYNCHRONIZE_CACHE_10);
	assert_int_equal(scsi_disk_flush(&d), VS_OK);
	assert_int_equal(r->fd.requests, before + 1);
	/* a failed flush stays due */
	assert_int_equal(scsi_disk_write(&d, 3, 1, buf), VS_OK);
	r->fd.lun[0][0].sense_key = SCSI_SK_HARDWARE_ERROR;
	r->fd.lun[0][0].sense_count = 1;
	assert_int_not_equal(scsi_disk_flush(&d), VS_OK);
	before = r->fd.requests;
	assert_int_equal(scsi_disk_flush(&d), VS_OK);
	assert_int_equal(r->fd.requests, before + 1);
	/* WCE 0: nothing is ever sent */
	assert_int_equal(open_disk(r, &d, 0, 1), VS_OK);
	assert_false(d.write_cache);
	assert_int_equal(scsi_disk_write(&d, 3, 1, buf), VS_OK);
	before = r->fd.requests;
	assert_int_equal(scsi_disk_flush(&d), VS_OK);
	assert_int_equal(r->fd.requests, before);
	/* no Caching page: the cache is taken as on, WP still read */
	r->fd.lun[0][2].write_protect = true;
	assert_int_equal(open_disk(r, &d, 0, 2), VS_OK);
	assert_true(d.write_cache);
	assert_true(d.read_only);
}

/** More than 2^32 blocks: READ CAPACITY(16) and READ/WRITE(16). */
static void test_large_disk(void **state)
{
	struct rig *r = *state;
	struct scsi_disk d;
	uint8_t buf[512];

	fake_add_disk(&r->fd, 0, 1, 512, 0x180000000ull);	/* 3 TiB */
	assert_int_equal(open_disk(r, &d, 0, 1), VS_OK);
	assert_int_equal(d.last_lba, 0x17FFFFFFFull);
	assert_true(d.use16);
	assert_int_equal(scsi_disk_read(&d, 0x17FFFFFFFull, 1, buf), VS_OK);
	assert_int_equal(r->fd.last_cdb[0], SCSI_OP_READ_16);
	assert_int_equal(get_be64(r->fd.last_cdb + 2), 0x17FFFFFFFull);
	assert_int_equal(scsi_disk_write(&d, 0x100000000ull, 1, buf), VS_OK);
	assert_int_equal(r->fd.last_cdb[0], SCSI_OP_WRITE_16);
}

/** 4 KiB logical blocks are taken from the capacity data. */
static void test_4k_disk(void **state)
{
	struct rig *r = *state;
	struct scsi_disk d;
	uint8_t buf[8192];

	fake_add_disk(&r->fd, 0, 2, 4096, 256);
	assert_int_equal(open_disk(r, &d, 0, 2), VS_OK);
	assert_int_equal(d.block_size, 4096);
	assert_int_equal(scsi_disk_read(&d, 255, 1, buf), VS_OK);
	assert_int_equal(get_be16(r->fd.last_cdb + 7), 1);
	assert_int_equal(scsi_disk_read(&d, 255, 2, buf), VS_E_INVAL);
}

/** Absurd capacity data: block size 0 or not a power of two. */
static void test_bad_capacity(void **state)
{
	static const uint32_t sizes[] = { 0, 1000, 256, 1u << 20 };
	struct rig *r = *state;
	struct scsi_disk d;
	unsigned i;

	for (i = 0; i < 4; i++) {
		r->fd.lun[0][0].block_size = sizes[i];
		assert_int_equal(open_disk(r, &d, 0, 0), VS_E_DEVICE);
		assert_false(d.present);
		assert_int_equal(scsi_disk_read(&d, 0, 1, NULL), VS_E_NOMEDIA);
	}
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

/** Hard errors are returned at once: no retries. */
static void test_hard_errors(void **state)
{
	static const struct { uint8_t key, asc; int rc; } cases[] = {
		{ SCSI_SK_MEDIUM_ERROR, 0x11, VS_E_MEDIUM },
		{ SCSI_SK_HARDWARE_ERROR, 0x44, VS_E_DEVICE },
		{ SCSI_SK_DATA_PROTECT, 0x27, VS_E_PROTECTED },
		{ SCSI_SK_NOT_READY, 0x3A, VS_E_NOMEDIA },
	};
	struct rig *r = *state;
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

/** A write-protected medium is reported and no write is sent. */
static void test_write_protect(void **state)
{
	struct rig *r = *state;
	struct scsi_disk d;
	uint8_t buf[512] = { 0 };

	r->fd.lun[0][0].write_protect = true;
	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	assert_true(d.read_only);
	r->fd.requests = 0;
	assert_int_equal(scsi_disk_write(&d, 0, 1, buf), VS_E_PROTECTED);
	assert_int_equal(r->fd.requests, 0);
}

/** GOOD status with data missing (residual): a short transfer is an error. */
static void test_short_transfer(void **state)
{
	struct rig *r = *state;
	struct scsi_disk d;
	uint8_t buf[4096];

	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	r->fd.fault = FAULT_SHORT;
	assert_int_equal(scsi_disk_read(&d, 0, 8, buf), VS_E_DEVICE);
	r->fd.fault = FAULT_NONE;
	assert_int_equal(scsi_disk_read(&d, 0, 8, buf), VS_OK);
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

/** READ CAPACITY(16) fields and the Block Limits VPD page are taken. */
static void test_capacity16_fields(void **state)
{
	struct rig *r = *state;
	struct fake_lun *lu = &r->fd.lun[0][0];
	struct scsi_disk d;

	lu->phys_exp = 3;
	lu->lowest_aligned = 1;
	lu->vpd_granularity = 8;
	lu->vpd_max_transfer = 128;
	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	assert_int_equal(d.phys_exp, 3);
	assert_int_equal(d.lowest_aligned, 1);
	assert_int_equal(d.opt_granularity, 8);
	assert_int_equal(d.max_blocks, 128);
}

/** A unit that refuses READ CAPACITY(16) is read with (10). */
static void test_capacity10_fallback(void **state)
{
	struct rig *r = *state;
	struct scsi_disk d;

	r->fd.lun[0][0].no_rc16 = true;
	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	assert_true(d.no_rc16);
	assert_int_equal(d.last_lba, 2047);
	/* a (10) answer of all ones with (16) refused: no usable geometry */
	r->fd.lun[0][0].rc16_only = true;
	assert_int_equal(open_disk(r, &d, 0, 0), VS_E_DEVICE);
}

/** A CD: 2048-byte blocks, read-only, removable; media come and go. */
static void test_cdrom_media(void **state)
{
	struct rig *r = *state;
	struct fake_lun *lu;
	struct scsi_disk d;
	uint8_t buf[2048];

	fake_add_disk(&r->fd, 1, 0, 2048, 100);
	lu = &r->fd.lun[1][0];
	lu->pdt = SCSI_PDT_CDROM;
	lu->removable = true;
	lu->no_rc16 = true;
	assert_int_equal(open_disk(r, &d, 1, 0), VS_OK);
	assert_true(d.removable);
	assert_true(d.read_only);
	assert_int_equal(d.block_size, 2048);
	assert_int_equal(scsi_disk_check_media(&d), SCSI_MEDIA_SAME);

	/* eject: NOT READY, MEDIUM NOT PRESENT */
	lu->sense_key = SCSI_SK_NOT_READY;
	lu->asc = 0x3A;
	lu->sense_count = ~0u;
	assert_int_equal(scsi_disk_check_media(&d), SCSI_MEDIA_CHANGED);
	assert_false(d.present);
	assert_int_equal(scsi_disk_check_media(&d), SCSI_MEDIA_SAME);
	assert_int_equal(scsi_disk_read(&d, 0, 1, buf), VS_E_NOMEDIA);

	/* a new disc: UNIT ATTENTION 28h once, then a new capacity */
	lu->blocks = 300;
	lu->sense_key = SCSI_SK_UNIT_ATTENTION;
	lu->asc = 0x28;
	lu->sense_count = 1;
	assert_int_equal(scsi_disk_check_media(&d), SCSI_MEDIA_CHANGED);
	assert_true(d.present);
	assert_int_equal(d.last_lba, 299);

	/* swapped while present: the unit attention says so */
	lu->blocks = 200;
	lu->sense_count = 1;
	assert_int_equal(scsi_disk_check_media(&d), SCSI_MEDIA_CHANGED);
	assert_int_equal(d.last_lba, 199);
	assert_int_equal(scsi_disk_read(&d, 199, 1, buf), VS_OK);
}

/** A capacity change reported by UNIT ATTENTION is noted on the disk. */
static void test_capacity_changed_event(void **state)
{
	struct rig *r = *state;
	struct fake_lun *lu = &r->fd.lun[0][0];
	struct scsi_disk d;
	uint8_t buf[512];

	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	lu->blocks = 1024;
	lu->sense_key = SCSI_SK_UNIT_ATTENTION;
	lu->asc = 0x2A;
	lu->ascq = 0x09;
	lu->sense_count = 1;
	assert_int_equal(scsi_disk_read(&d, 0, 1, buf), VS_OK);
	assert_true(d.events & SCSI_EV_CAPACITY_CHANGED);
	assert_int_equal(scsi_disk_check_media(&d), SCSI_MEDIA_CHANGED);
	assert_int_equal(d.last_lba, 1023);
	assert_false(d.events & SCSI_EV_CAPACITY_CHANGED);
}

/** Capacity that shrinks under a read: DEVICE error, then re-read. */
static void test_capacity_shrinks(void **state)
{
	struct rig *r = *state;
	struct scsi_disk d;
	uint8_t buf[512];

	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	r->fd.lun[0][0].blocks = 1000;
	assert_int_equal(scsi_disk_read(&d, 1500, 1, buf), VS_E_DEVICE);
	assert_true(d.events & SCSI_EV_CAPACITY_CHANGED);
	assert_int_equal(scsi_disk_check_media(&d), SCSI_MEDIA_CHANGED);
	assert_int_equal(d.last_lba, 999);
	assert_int_equal(scsi_disk_read(&d, 1500, 1, buf), VS_E_INVAL);
}

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
 * Every queue size a device may offer, 1 to 1024: a power of two from 4
 * on carries requests (slots and descriptors derived from it, transfers
 * split to fit); anything else is refused with a log line naming it.
 */
static void test_queue_sizes(void **state)
{
	uint8_t *buf = malloc(256 * 512);
	unsigned size, modern, i;
	char want[40];

	(void)state;
	for (modern = 0; modern < 2; modern++) {
		for (size = 1; size <= 1024; size++) {
			struct rig *r = rig_new(modern);
			struct scsi_disk d;
			int rc;

			r->fd.q[VIRTIO_SCSI_VQ_REQUEST].max_size = size;
			r->fd.max_sectors = 64;
			r->fd.map_limit = 4096;	/* buffers map in pieces */
			r->fd.deferred = true;
			rc = vscsi_init(&r->c, &r->fd.plat);
			if ((size & (size - 1)) || size < VSCSI_REQ_MIN_DESCS) {
				assert_int_equal(rc, VS_E_DEVICE);
				vs_snprintf(want, sizeof(want), "size %u", size);
				assert_non_null(strstr(r->fd.last_log, want));
				rig_free(r);
				continue;
			}
			assert_int_equal(rc, VS_OK);
			assert_true(r->c.reqq.slots >= 1);
			assert_true(r->c.reqq.slots <= VSCSI_REQ_SLOTS);
			assert_true(r->c.reqq.slots * r->c.reqq.slot_descs <=
				    r->c.reqq.size);
			assert_true(r->c.reqq.slot_descs >= VSCSI_REQ_MIN_DESCS);
			fill_pattern(&r->fd.lun[0][0], 256);
			assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
			assert_int_equal(scsi_disk_read(&d, 0, 256, buf), VS_OK);
			for (i = 0; i < 256; i++)
				assert_int_equal(pattern_check(7, i, buf + i * 512), -1);
			assert_true(r->fd.max_in_flight <= r->c.reqq.slots);
			assert_true(r->fd.max_segments + 2u <= r->c.reqq.slot_descs);
			vscsi_fini(&r->c);
			assert_int_equal(fake_active_maps(&r->fd), 0);
			assert_int_equal(r->fd.dma_errors, 0);
			rig_free(r);
		}
	}
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scan_batches, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_short_inquiry, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_read_pattern, setup_modern, teardown_rig),
		cmocka_unit_test(test_split_max_sectors),
		cmocka_unit_test_setup_teardown(test_flush_policy, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_write_read_back, setup_legacy, teardown_rig),
		cmocka_unit_test_setup_teardown(test_large_disk, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_4k_disk, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_bad_capacity, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_unit_attention, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_becoming_ready, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_hard_errors, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_write_protect, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_short_transfer, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_report_luns_bounds, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_capacity16_fields, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_capacity10_fallback, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_cdrom_media, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_capacity_changed_event, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_capacity_shrinks, setup_modern, teardown_rig),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_queue_sizes),
		cmocka_unit_test(test_cmd_per_lun),
	};

	return cmocka_run_group_tests_name("scsi_disk", tests, NULL, NULL);
}
