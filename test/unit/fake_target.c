/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The SCSI targets behind the fake device: logical units with disks in
 * memory that answer INQUIRY, REPORT LUNS, READ CAPACITY, MODE SENSE,
 * reads and writes (SPC-4, SBC-3), with sense in fixed or descriptor
 * format, queued unit attentions, and the faults and fuzzing input a
 * test arms; see fake_device.h.
 */
#include <stdlib.h>
#include <string.h>
#include "fake_device.h"
#include "spec/scsi.h"
#include "vscsi/byteorder.h"

void fake_add_disk(struct fake_dev *fd, unsigned t, unsigned l,
		   uint32_t block_size, uint64_t blocks)
{
	struct fake_lun *lu = &fd->lun[t][l];

	lu->present = true;
	lu->pdt = SCSI_PDT_DIRECT_ACCESS;
	lu->block_size = block_size;
	lu->blocks = blocks;
	/* huge disks are reported, not backed: only the first 4 MiB is */
	lu->data_size = blocks * block_size < (4u << 20) ? blocks * block_size :
			(4u << 20);
	lu->data = calloc(1, lu->data_size);
}

/**
 * Queue a unit attention on a unit (SAM-5 §5.14): the next commands other
 * than INQUIRY report the queued ones, oldest first, one each.
 * @ret queued	false when the unit's queue is full
 */
bool fake_unit_attention(struct fake_dev *fd, unsigned t, unsigned l,
			 uint16_t asc_ascq)
{
	struct fake_lun *lu = &fd->lun[t][l];

	if (lu->ua_count == FAKE_UA_QUEUE)
		return false;
	lu->ua[lu->ua_count].asc = asc_ascq >> 8;
	lu->ua[lu->ua_count].ascq = asc_ascq & 0xFF;
	lu->ua_count++;
	return true;
}

/**
 * CHECK CONDITION with sense data, in the format the device uses: fixed
 * (SPC-4 §4.5.3, 18 bytes) or descriptor (§4.5.2, an 8-byte header).
 */
static void fake_sense(struct fake_dev *fd, struct fake_result *r,
		       uint8_t key, uint8_t asc, uint8_t ascq)
{
	r->status = SCSI_STATUS_CHECK_CONDITION;
	memset(r->sense, 0, sizeof(r->sense));
	if (fd->desc_sense) {
		r->sense[0] = SCSI_SENSE_DESC_CURRENT;
		r->sense[1] = key;
		r->sense[2] = asc;
		r->sense[3] = ascq;
		r->sense_len = 8;
		return;
	}
	r->sense[0] = SCSI_SENSE_FIXED_CURRENT;
	r->sense[2] = key;
	r->sense[7] = 10;
	r->sense[12] = asc;
	r->sense[13] = ascq;
	r->sense_len = 18;
}

/** The armed sense of a unit (fake_lun.sense_key), counted down. */
static bool fake_armed_sense(struct fake_dev *fd, struct fake_lun *lu,
			     struct fake_result *r)
{
	if (lu->sense_count != ~0u)
		lu->sense_count--;
	fake_sense(fd, r, lu->sense_key, lu->asc, lu->ascq);
	return true;
}

/**
 * Report the oldest unit attention a unit holds, or its armed sense.
 * @ret taken	true when the command ends with that CHECK CONDITION
 */
static bool fake_pending_sense(struct fake_dev *fd, struct fake_lun *lu,
			       const uint8_t *cdb, struct fake_result *r)
{
	/* SPC-4 §6.6: INQUIRY answers whether or not a medium is there, and
	 * does not clear a unit attention (SAM-5 §5.14) */
	if (!lu || !lu->present || cdb[0] == SCSI_OP_INQUIRY)
		return lu && lu->present && lu->sense_count &&
		       lu->sense_key != SCSI_SK_NOT_READY &&
		       fake_armed_sense(fd, lu, r);
	if (lu->ua_count) {
		fake_sense(fd, r, SCSI_SK_UNIT_ATTENTION, lu->ua[0].asc,
			   lu->ua[0].ascq);
		memmove(lu->ua, lu->ua + 1, --lu->ua_count * sizeof(lu->ua[0]));
		return true;
	}
	return lu->sense_count && fake_armed_sense(fd, lu, r);
}

static void fake_inquiry(struct fake_lun *lu, uint8_t *buf, uint32_t *len)
{
	memset(buf, 0, 36);
	buf[0] = lu && lu->present ? lu->pdt : 0x7F;	/* PQ 3, PDT 1Fh */
	buf[1] = lu && lu->removable ? SCSI_INQ_RMB : 0;
	buf[2] = 6;			/* SPC-4 */
	buf[4] = 31;
	memcpy(buf + 8, "FAKE    VIRTIO-SCSI     1.0 ", 28);
	*len = lu && lu->inquiry_len ? lu->inquiry_len : 36;
}

static void fake_report_luns(struct fake_dev *fd, unsigned t, uint8_t *buf,
			     uint32_t *len)
{
	unsigned i, l, n = 0;

	memset(buf, 0, 8);
	for (i = 0; i < FAKE_LUNS; i++) {
		l = fd->report_luns_reverse ? FAKE_LUNS - 1 - i : i;
		if (!fd->lun[t][l].present)
			continue;
		memset(buf + 8 + 8 * n, 0, 8);
		buf[8 + 8 * n] = l >> 8;
		buf[8 + 8 * n + 1] = l & 0xFF;
		n++;
	}
	put_be32(buf, 8 * (n + fd->report_luns_extra));
	*len = 8 + 8 * n;
}

/** Read or write blocks of the backing store. */
static void fake_rw(struct fake_dev *fd, struct fake_lun *lu, bool write, uint64_t lba,
		    uint32_t blocks, uint8_t *data, uint32_t data_len,
		    struct fake_result *r)
{
	uint64_t bytes = (uint64_t)blocks * lu->block_size;
	uint64_t backed = lu->data_size;
	uint64_t off = lba * lu->block_size, i;

	if (lba > lu->blocks || blocks > lu->blocks - lba) {
		fake_sense(fd, r, SCSI_SK_ILLEGAL_REQUEST, 0x21, 0);
		return;
	}
	if (bytes > data_len) {
		fake_sense(fd, r, SCSI_SK_ILLEGAL_REQUEST, 0x24, 0);
		return;
	}
	if (lu->bad_lba && lba <= lu->bad_lba && lu->bad_lba < lba + blocks) {
		fake_sense(fd, r, SCSI_SK_MEDIUM_ERROR, 0x11, 0);
		return;
	}
	if (write && lu->write_protect) {
		fake_sense(fd, r, SCSI_SK_DATA_PROTECT, 0x27, 0);
		return;
	}
	for (i = 0; i < bytes; i++) {
		if (off + i >= backed) {
			if (!write)
				data[i] = 0;
			continue;
		}
		if (write)
			lu->data[off + i] = data[i];
		else
			data[i] = lu->data[off + i];
	}
	if (write)
		r->data_out = bytes;
	else
		r->data_in = bytes;
}

/** Emulate one SCSI command. */
void fake_scsi(struct fake_dev *fd, unsigned t, unsigned l,
		      const uint8_t *cdb, uint8_t *din, uint32_t din_len,
		      uint8_t *dout, uint32_t dout_len, struct fake_result *r)
{
	struct fake_lun *lu = l < FAKE_LUNS ? &fd->lun[t][l] : NULL;
	uint8_t buf[8 + 8 * FAKE_LUNS];	/* REPORT LUNS of a full target */
	uint32_t len = 0;

	memset(r, 0, sizeof(*r));
	if (fd->fuzz_data && fake_fuzz_byte(fd) < 32) {
		/* a CHECK CONDITION with whatever sense the input says */
		unsigned i, n = fake_fuzz_byte(fd) % sizeof(r->sense);

		r->status = SCSI_STATUS_CHECK_CONDITION;
		for (i = 0; i < n; i++)
			r->sense[i] = fake_fuzz_byte(fd);
		r->sense_len = n;
		return;
	}
	if (fake_pending_sense(fd, lu, cdb, r))
		return;
	switch (cdb[0]) {
	case SCSI_OP_INQUIRY:
		if (!(cdb[1] & SCSI_INQ_EVPD)) {
			fake_inquiry(lu, buf, &len);
			break;
		}
		if (!lu || !lu->present || cdb[2] != SCSI_VPD_BLOCK_LIMITS ||
		    !lu->vpd_granularity) {
			fake_sense(fd, r, SCSI_SK_ILLEGAL_REQUEST, 0x24, 0);
			return;
		}
		memset(buf, 0, 64);
		buf[1] = SCSI_VPD_BLOCK_LIMITS;
		buf[3] = 0x3C;
		put_be16(buf + 6, lu->vpd_granularity);
		put_be32(buf + 8, lu->vpd_max_transfer);
		len = 64;
		break;
	case SCSI_OP_REPORT_LUNS:
		if (fd->target_no_report_luns[t]) {
			fake_sense(fd, r, SCSI_SK_ILLEGAL_REQUEST, 0x20, 0);
			return;
		}
		fake_report_luns(fd, t, buf, &len);
		break;
	default:
		if (!lu || !lu->present) {
			fake_sense(fd, r, SCSI_SK_ILLEGAL_REQUEST, 0x25, 0);
			return;
		}
		switch (cdb[0]) {
		case SCSI_OP_TEST_UNIT_READY:
		case SCSI_OP_SYNCHRONIZE_CACHE_10:
			return;
		case SCSI_OP_READ_CAPACITY_10:
			put_be32(buf, lu->rc16_only || lu->blocks - 1 > 0xFFFFFFFFull ?
				 0xFFFFFFFF : (uint32_t)(lu->blocks - 1));
			put_be32(buf + 4, lu->block_size);
			len = 8;
			break;
		case SCSI_OP_SERVICE_ACTION_IN_16:
			if (lu->no_rc16) {
				fake_sense(fd, r, SCSI_SK_ILLEGAL_REQUEST, 0x20, 0);
				return;
			}
			memset(buf, 0, 32);
			put_be64(buf, lu->blocks - 1);
			put_be32(buf + 8, lu->block_size);
			buf[13] = lu->phys_exp;
			put_be16(buf + 14, lu->lowest_aligned);
			len = 32;
			break;
		case SCSI_OP_MODE_SENSE_6:
			memset(buf, 0, 4 + SCSI_MODE_CACHING_LEN);
			buf[0] = 3;
			buf[2] = lu->write_protect ? SCSI_MODE_WP : 0;
			len = 4;
			if ((cdb[2] & 0x3F) == SCSI_MODE_PAGE_CACHING) {
				if (lu->no_caching_page) {
					fake_sense(fd, r, SCSI_SK_ILLEGAL_REQUEST, 0x24, 0);
					return;
				}
				buf[0] += SCSI_MODE_CACHING_LEN;
				buf[4] = SCSI_MODE_PAGE_CACHING;
				buf[5] = SCSI_MODE_CACHING_LEN - 2;
				buf[6] = lu->no_write_cache ? 0 : SCSI_MODE_CACHING_WCE;
				len += SCSI_MODE_CACHING_LEN;
			}
			break;
		case SCSI_OP_READ_10: case SCSI_OP_WRITE_10:
			fake_rw(fd, lu, cdb[0] == SCSI_OP_WRITE_10, get_be32(cdb + 2),
				get_be16(cdb + 7), cdb[0] == SCSI_OP_WRITE_10 ? dout : din,
				cdb[0] == SCSI_OP_WRITE_10 ? dout_len : din_len, r);
			return;
		case SCSI_OP_READ_16: case SCSI_OP_WRITE_16:
			fake_rw(fd, lu, cdb[0] == SCSI_OP_WRITE_16, get_be64(cdb + 2),
				get_be32(cdb + 10), cdb[0] == SCSI_OP_WRITE_16 ? dout : din,
				cdb[0] == SCSI_OP_WRITE_16 ? dout_len : din_len, r);
			return;
		default:
			fake_sense(fd, r, SCSI_SK_ILLEGAL_REQUEST, 0x20, 0);
			return;
		}
	}
	if (lu && lu->mangle)
		lu->mangle(cdb, buf, &len);
	if (fd->fuzz_data) {
		/* INQUIRY, REPORT LUNS, capacity, mode data: the input's */
		unsigned i;

		len = fake_fuzz_byte(fd) % (sizeof(buf) / 8) * 8 + fake_fuzz_byte(fd) % 8;
		for (i = 0; i < len; i++)
			buf[i] = fake_fuzz_byte(fd);
	}
	r->data_in = len < din_len ? len : din_len;
	memcpy(din, buf, r->data_in);
}

