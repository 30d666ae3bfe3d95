/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of block devices (scsi_disk.c): geometry from READ CAPACITY
 * (10)/(16), transfers split and placed, writes, flush policy, write
 * protection, short transfers, CD media, capacity changes.
 */
#include "helpers.h"

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

/** What mangle_data does to which command (test_wrong_data). */
static enum {
	MANGLE_RC16_ALL_ONES,	/* last LBA ~0 */
	MANGLE_RC16_SHORT,	/* 12 bytes: no physical block fields */
	MANGLE_MODE_TINY,	/* 2 bytes of mode header */
	MANGLE_MODE_BLOCK_DESC,	/* a block descriptor before the page */
	MANGLE_MODE_WRONG_PAGE,	/* another page than asked for */
	MANGLE_MODE_SHORT_PAGE,	/* a page length too short */
	MANGLE_VPD_SHORT,	/* Block Limits cut short */
	MANGLE_VPD_WRONG_PAGE,	/* another page than asked for */
} mangling;

static void mangle_data(const uint8_t *cdb, uint8_t *data, uint32_t *len)
{
	bool rc16 = cdb[0] == SCSI_OP_SERVICE_ACTION_IN_16;
	bool mode = cdb[0] == SCSI_OP_MODE_SENSE_6;
	bool vpd = cdb[0] == SCSI_OP_INQUIRY && (cdb[1] & SCSI_INQ_EVPD);

	if (rc16 && mangling == MANGLE_RC16_ALL_ONES)
		memset(data, 0xFF, 8);
	if (rc16 && mangling == MANGLE_RC16_SHORT) {
		data[13] = 3;	/* there, but beyond what is said to have come */
		*len = 12;
	}
	if (mode && mangling == MANGLE_MODE_TINY)
		*len = 2;
	if (mode && mangling == MANGLE_MODE_BLOCK_DESC)
		data[3] = 8;
	if (mode && mangling == MANGLE_MODE_WRONG_PAGE)
		data[4] = 0x0A;
	if (mode && mangling == MANGLE_MODE_SHORT_PAGE)
		data[5] = 2;
	if (vpd && mangling == MANGLE_VPD_SHORT)
		*len = 12;
	if (vpd && mangling == MANGLE_VPD_WRONG_PAGE)
		data[1] = 0xB1;
}

/**
 * Data a target gets wrong is not believed: an all-ones capacity is
 * refused; fields beyond what arrived, and mode or VPD data that is not
 * the page asked for, keep the safe defaults (no physical block fields, a
 * write cache taken as on, no transfer limit).
 */
static void test_wrong_data(void **state)
{
	struct rig *r = *state;
	struct fake_lun *lu = &r->fd.lun[0][0];
	struct scsi_disk d;

	lu->mangle = mangle_data;
	lu->no_write_cache = true;
	lu->vpd_granularity = 8;
	lu->vpd_max_transfer = 16;
	mangling = MANGLE_RC16_ALL_ONES;
	assert_int_equal(open_disk(r, &d, 0, 0), VS_E_DEVICE);
	mangling = MANGLE_RC16_SHORT;
	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	assert_int_equal(d.phys_exp, 0);
	assert_int_equal(d.max_blocks, 16);	/* the rest was taken */
	assert_false(d.write_cache);
	for (mangling = MANGLE_MODE_TINY; mangling <= MANGLE_MODE_SHORT_PAGE;
	     mangling++) {
		lu->write_protect = true;
		assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
		assert_true(d.write_cache);
		/* the header's WP bit counts wherever the header arrived */
		assert_int_equal(d.read_only, mangling != MANGLE_MODE_TINY);
	}
	lu->write_protect = false;
	for (mangling = MANGLE_VPD_SHORT; mangling <= MANGLE_VPD_WRONG_PAGE;
	     mangling++) {
		assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
		assert_int_equal(d.opt_granularity, 0);
		assert_true(d.max_blocks > 16);
	}
}

/**
 * A device whose max_sectors allows more than READ(10) can say: commands
 * of a small disk stay within READ(10)'s transfer length.
 */
static void test_rw10_limit(void **state)
{
	struct rig *r = rig_new(true);
	struct scsi_disk d;

	(void)state;
	r->fd.max_sectors = 0xFFFFFFFF;
	assert_int_equal(vscsi_init(&r->c, &r->fd.plat), VS_OK);
	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	assert_false(d.use16);
	assert_int_equal(d.max_blocks, 0xFFFF);
	vscsi_fini(&r->c);
	rig_free(r);
}

/**
 * The owner's checks of a disk: a self-test that finds another geometry
 * passes, reads nothing and says so; a medium that cannot be read again is an
 * error; no medium, no flush.
 */
static void test_disk_checks(void **state)
{
	struct rig *r = *state;
	struct fake_lun *lu = &r->fd.lun[0][0];
	struct scsi_disk_health h;
	struct scsi_disk d;
	uint8_t block[512];

	assert_int_equal(open_disk(r, &d, 0, 0), VS_OK);
	lu->blocks = 4096;
	assert_true(scsi_disk_self_test(&d, block, &h));	/* no fault */
	assert_true(h.changed);
	assert_int_equal(h.read_rc, VS_E_NOMEDIA);	/* not tried */
	assert_int_equal(d.last_lba, 2047);		/* not taken */
	/* a capacity change whose geometry cannot be read again */
	assert_true(fake_unit_attention(&r->fd, 0, 0, SCSI_ASCQ_CAPACITY_CHANGED));
	assert_int_equal(scsi_disk_read(&d, 0, 1, block), VS_OK);
	lu->block_size = 3;
	assert_int_equal(scsi_disk_check_media(&d), VS_E_DEVICE);
	assert_int_equal(scsi_disk_flush(&d), VS_E_NOMEDIA);
	lu->block_size = 512;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_pattern, setup_modern, teardown_rig),
		cmocka_unit_test(test_split_max_sectors),
		cmocka_unit_test_setup_teardown(test_write_read_back, setup_legacy, teardown_rig),
		cmocka_unit_test_setup_teardown(test_flush_policy, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_large_disk, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_4k_disk, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_bad_capacity, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_write_protect, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_short_transfer, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_capacity16_fields, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_capacity10_fallback, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_wrong_data, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_rw10_limit, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_disk_checks, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_cdrom_media, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_capacity_changed_event, setup_modern, teardown_rig),
		cmocka_unit_test_setup_teardown(test_capacity_shrinks, setup_modern, teardown_rig),
	};

	return cmocka_run_group_tests_name("disk", tests, NULL, NULL);
}
