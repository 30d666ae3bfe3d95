/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Block devices behind the adapter (SBC-3): geometry from READ CAPACITY,
 * reads and writes split into commands that fit the adapter, cache flush.
 * Capacity data from the target is checked before it is believed.
 */
#include "vscsi/byteorder.h"
#include "vscsi/scsi_disk.h"

/** Largest transfer length field of READ/WRITE(10) (SBC-3 §5.11). */
#define SCSI_RW10_MAX_BLOCKS 0xFFFFu

/**
 * Run a command on the disk's LUN.
 * @v d		disk
 * @v cdb	CDB
 * @v cdb_len	its length
 * @v in	buffer the device fills (or NULL)
 * @v in_len	its length
 * @v out	buffer the device reads (or NULL)
 * @v out_len	its length
 * @ret done	bytes moved
 * @ret rc	status of scsi_command
 */
static int scsi_disk_cmd(struct scsi_disk *d, const uint8_t *cdb,
			 uint8_t cdb_len, void *in, uint32_t in_len,
			 const void *out, uint32_t out_len, uint32_t *done)
{
	struct vscsi_cmd cmd = {
		.target = d->target, .lun = d->lun, .cdb = cdb, .cdb_len = cdb_len,
		.data_in = in, .in_len = in_len, .data_out = out,
		.out_len = out_len,
	};
	int rc = scsi_command(d->c, &cmd, &d->events);

	*done = in_len ? cmd.in_done : cmd.out_done;
	return rc;
}

/**
 * Check a block size and a last LBA from capacity data, and take them.
 * @v d		disk
 * @v last_lba	last LBA reported
 * @v block_size	block length reported
 * @ret rc	VS_OK or VS_E_DEVICE
 */
static int scsi_disk_set_geometry(struct scsi_disk *d, uint64_t last_lba,
				  uint32_t block_size)
{
	uint32_t max;

	if (block_size < SCSI_MIN_BLOCK_SIZE || block_size > SCSI_MAX_BLOCK_SIZE ||
	    (block_size & (block_size - 1)) || last_lba == ~0ULL) {
		VS_ERR(d->c->plat, "scsi %u:%u: bad capacity: last LBA %llx, "
		       "block size %u", d->target, d->lun,
		       (unsigned long long)last_lba, block_size);
		return VS_E_DEVICE;
	}
	d->block_size = block_size;
	d->last_lba = last_lba;
	d->use16 = last_lba > SCSI_READ_CAPACITY_10_MAX_LBA;
	max = d->c->max_transfer / block_size;
	if (!d->use16 && max > SCSI_RW10_MAX_BLOCKS)
		max = SCSI_RW10_MAX_BLOCKS;
	d->max_blocks = max ? max : 1;
	d->present = true;
	return VS_OK;
}

/**
 * READ CAPACITY(16) (SBC-3 §5.16).
 * @v d		disk
 * @ret rc	VS_OK or an error
 */
static int scsi_read_capacity16(struct scsi_disk *d)
{
	uint8_t cdb[16] = { SCSI_OP_SERVICE_ACTION_IN_16, SCSI_SAI_READ_CAPACITY_16 };
	uint8_t data[SCSI_READ_CAPACITY_16_LEN];
	uint32_t done;
	int rc;

	put_be32(cdb + 10, sizeof(data));
	rc = scsi_disk_cmd(d, cdb, sizeof(cdb), data, sizeof(data), NULL, 0, &done);
	if (rc != VS_OK)
		return rc;
	if (done < 12)
		return VS_E_DEVICE;
	rc = scsi_disk_set_geometry(d, get_be64(data), get_be32(data + 8));
	if (rc == VS_OK && done >= 16) {
		d->phys_exp = data[13] & 0x0F;
		d->lowest_aligned = get_be16(data + 14) & 0x3FFF;
	}
	return rc;
}

/**
 * READ CAPACITY(10) (SBC-3 §5.15); (16) when the answer is all ones.
 * @v d		disk
 * @ret rc	VS_OK or an error
 */
static int scsi_read_capacity10(struct scsi_disk *d)
{
	uint8_t cdb[10] = { SCSI_OP_READ_CAPACITY_10 };
	uint8_t data[SCSI_READ_CAPACITY_10_LEN];
	uint32_t done, last;
	int rc;

	rc = scsi_disk_cmd(d, cdb, sizeof(cdb), data, sizeof(data), NULL, 0, &done);
	if (rc != VS_OK)
		return rc;
	if (done < sizeof(data))
		return VS_E_DEVICE;
	last = get_be32(data);
	if (last == SCSI_READ_CAPACITY_10_MAX_LBA) {
		/* "use READ CAPACITY(16)": a unit refusing it has no size */
		if (d->no_rc16)
			return VS_E_DEVICE;
		return scsi_read_capacity16(d);
	}
	return scsi_disk_set_geometry(d, last, get_be32(data + 4));
}

/**
 * A quick self-test of a disk that changes nothing of it: INQUIRY, READ
 * CAPACITY into a scratch copy (a new geometry is the owner's to take, on
 * the unit attention's path), and a read of LBA 0 when the geometry is
 * the one the disk has.
 * @v d		disk
 * @v block	d->block_size bytes for the read
 * @v h		findings
 * @ret ok	INQUIRY answered with the disk's type, the capacity read (or
 *		no medium), LBA 0 read when it was tried
 */
bool scsi_disk_self_test(struct scsi_disk *d, void *block,
			 struct scsi_disk_health *h)
{
	struct scsi_lun_info info;
	struct scsi_disk probe = *d;

	vs_memset(h, 0, sizeof(*h));
	h->inquiry_rc = scsi_inquiry(d->c, d->target, d->lun, &info);
	h->pdt = info.pdt;
	h->capacity_rc = scsi_read_capacity(&probe);
	h->read_rc = VS_E_NOMEDIA;
	if (h->capacity_rc == VS_OK) {
		h->blocks = probe.last_lba + 1;
		h->block_size = probe.block_size;
		h->changed = !d->present || probe.last_lba != d->last_lba ||
			     probe.block_size != d->block_size;
		if (!h->changed)
			h->read_rc = scsi_disk_read(d, 0, 1, block);
	}
	return h->inquiry_rc == VS_OK && h->pdt == d->pdt &&
	       (h->capacity_rc == VS_OK || h->capacity_rc == VS_E_NOMEDIA) &&
	       (h->read_rc == VS_OK || h->read_rc == VS_E_NOMEDIA);
}

/**
 * Read the disk's geometry.  Block devices get READ CAPACITY(16) first,
 * for the physical block and alignment fields (SBC-3 §5.16), and (10)
 * when they refuse it; CD/DVD (MMC) units get (10).
 * @v d		disk
 * @ret rc	VS_OK, VS_E_NOMEDIA, or another error (d->present cleared)
 */
int scsi_read_capacity(struct scsi_disk *d)
{
	int rc;

	d->present = false;
	d->phys_exp = 0;
	d->lowest_aligned = 0;
	if (d->pdt == SCSI_PDT_CDROM)
		d->no_rc16 = true;
	if (!d->no_rc16) {
		rc = scsi_read_capacity16(d);
		if (rc != VS_E_UNSUPPORTED)
			return rc;
		d->no_rc16 = true;
	}
	return scsi_read_capacity10(d);
}

/**
 * Read the Block Limits VPD page (SBC-3 §6.6.4), when the unit has it:
 * optimal transfer length granularity and maximum transfer length.
 * @v d		disk
 */
static void scsi_block_limits(struct scsi_disk *d)
{
	uint8_t cdb[6] = { SCSI_OP_INQUIRY, SCSI_INQ_EVPD, SCSI_VPD_BLOCK_LIMITS,
			   0, SCSI_VPD_BLOCK_LIMITS_LEN, 0 };
	uint8_t page[SCSI_VPD_BLOCK_LIMITS_LEN];
	uint32_t done;

	if (scsi_disk_cmd(d, cdb, sizeof(cdb), page, sizeof(page), NULL, 0,
			  &done) != VS_OK || done < 16 ||
	    page[1] != SCSI_VPD_BLOCK_LIMITS)
		return;
	d->opt_granularity = get_be16(page + 6);
	d->max_transfer_blocks = get_be32(page + 8);
	if (d->max_transfer_blocks && d->max_transfer_blocks < d->max_blocks)
		d->max_blocks = d->max_transfer_blocks;
}

/**
 * Ask for the mode data a disk's owner needs, in one MODE SENSE(6) of the
 * Caching page without block descriptors: whether the medium is write
 * protected (header, SBC-3 §6.5.1 WP bit) and whether a volatile write
 * cache is on (SBC-3 §6.5.4 WCE).  A LUN without the Caching page is
 * asked for the header alone; one that does not answer is taken as
 * writable; a cache not known to be off is taken as on (a flush is then
 * sent, as it always was).
 * @v d		disk: read_only and write_cache set
 */
static void scsi_mode_sense(struct scsi_disk *d)
{
	uint8_t cdb[6] = { SCSI_OP_MODE_SENSE_6, SCSI_MODE_SENSE_DBD,
			   SCSI_MODE_PAGE_CACHING, 0,
			   SCSI_MODE_HDR6_LEN + SCSI_MODE_CACHING_LEN, 0 };
	uint8_t data[SCSI_MODE_HDR6_LEN + SCSI_MODE_CACHING_LEN];
	const uint8_t *page = data + SCSI_MODE_HDR6_LEN;
	uint32_t done;

	d->read_only = false;
	d->write_cache = true;
	if (scsi_disk_cmd(d, cdb, sizeof(cdb), data, sizeof(data), NULL, 0,
			  &done) != VS_OK) {
		cdb[1] = 0;
		cdb[2] = SCSI_MODE_PAGE_ALL;
		cdb[4] = SCSI_MODE_HDR6_LEN;
		if (scsi_disk_cmd(d, cdb, sizeof(cdb), data, SCSI_MODE_HDR6_LEN,
				  NULL, 0, &done) != VS_OK)
			return;
	}
	if (done >= 3)
		d->read_only = data[2] & SCSI_MODE_WP;
	/* the page only where the header says no block descriptor precedes */
	if (cdb[2] == SCSI_MODE_PAGE_CACHING && done >= sizeof(data) &&
	    data[3] == 0 && (page[0] & 0x3F) == SCSI_MODE_PAGE_CACHING &&
	    page[1] >= SCSI_MODE_CACHING_LEN - 2)
		d->write_cache = page[2] & SCSI_MODE_CACHING_WCE;
}

/**
 * Read what a medium is: geometry, write protection, transfer limits.
 * @v d		disk
 * @ret rc	VS_OK, VS_E_NOMEDIA, or an error
 */
static int scsi_disk_probe_medium(struct scsi_disk *d)
{
	int rc = scsi_read_capacity(d);

	if (rc != VS_OK)
		return rc;
	/* CD/DVD media are read-only to us; disks say so in MODE SENSE */
	if (d->pdt == SCSI_PDT_CDROM) {
		d->read_only = true;
		d->write_cache = false;
	} else {
		scsi_mode_sense(d);
	}
	if (d->pdt == SCSI_PDT_DIRECT_ACCESS)
		scsi_block_limits(d);
	return VS_OK;
}

/**
 * Open a block device: geometry, write protection, transfer limits.
 * @v d		disk to fill
 * @v c		adapter
 * @v info	the unit, from scsi_inquiry
 * @ret rc	VS_OK; or VS_E_NOMEDIA (d usable, no medium); or an error
 */
int scsi_disk_open(struct scsi_disk *d, struct vscsi_ctrl *c,
		   const struct scsi_lun_info *info)
{
	vs_memset(d, 0, sizeof(*d));
	d->c = c;
	d->target = info->target;
	d->lun = info->lun;
	d->pdt = info->pdt;
	d->removable = info->removable;
	return scsi_disk_probe_medium(d);
}

/**
 * Find out whether the medium changed: TEST UNIT READY, then the
 * geometry again when a medium appeared, went, or the unit reported a
 * medium or capacity change (SPC-4 UNIT ATTENTION 28h, 2Ah/09h).
 * @v d		disk
 * @ret rc	SCSI_MEDIA_SAME, SCSI_MEDIA_CHANGED, or an error
 */
int scsi_disk_check_media(struct scsi_disk *d)
{
	uint8_t cdb[6] = { SCSI_OP_TEST_UNIT_READY };
	bool was_present = d->present;
	uint32_t done;
	int rc;

	rc = scsi_disk_cmd(d, cdb, sizeof(cdb), NULL, 0, NULL, 0, &done);
	if (rc == VS_E_NOMEDIA) {
		d->present = false;
		d->events &= ~(SCSI_EV_MEDIUM_CHANGED | SCSI_EV_CAPACITY_CHANGED);
		return was_present ? SCSI_MEDIA_CHANGED : SCSI_MEDIA_SAME;
	}
	if (rc != VS_OK)
		return rc;
	if (was_present &&
	    !(d->events & (SCSI_EV_MEDIUM_CHANGED | SCSI_EV_CAPACITY_CHANGED)))
		return SCSI_MEDIA_SAME;
	rc = scsi_disk_probe_medium(d);
	/* attentions raised while probing report this same change */
	d->events &= ~(SCSI_EV_MEDIUM_CHANGED | SCSI_EV_CAPACITY_CHANGED);
	if (rc != VS_OK && rc != VS_E_NOMEDIA)
		return rc;
	return SCSI_MEDIA_CHANGED;
}

/**
 * Build a READ or WRITE CDB, (10) or (16) as the disk needs.
 * @v d		disk
 * @v cdb	16-byte buffer
 * @v write	WRITE, else READ
 * @v lba	first block
 * @v blocks	blocks (fits the CDB: at most d->max_blocks)
 * @ret len	CDB length
 */
static uint8_t scsi_rw_cdb(struct scsi_disk *d, uint8_t *cdb, bool write,
			   uint64_t lba, uint32_t blocks)
{
	vs_memset(cdb, 0, 16);
	if (d->use16) {
		cdb[0] = write ? SCSI_OP_WRITE_16 : SCSI_OP_READ_16;
		put_be64(cdb + 2, lba);
		put_be32(cdb + 10, blocks);
		return 16;
	}
	cdb[0] = write ? SCSI_OP_WRITE_10 : SCSI_OP_READ_10;
	put_be32(cdb + 2, (uint32_t)lba);
	put_be16(cdb + 7, (uint16_t)blocks);
	return 10;
}

/**
 * Learn from a failed READ or WRITE, and give the status to return.
 * @v d		disk
 * @v rc	the command's status
 * @ret rc	status for the caller
 */
static int scsi_rw_error(struct scsi_disk *d, int rc)
{
	switch (rc) {
	case VS_E_PROTECTED:
		d->read_only = true;
		return rc;
	case VS_E_NOMEDIA:
		d->present = false;	/* ejected under us */
		return rc;
	case VS_E_UNSUPPORTED:
		/* a range we checked was refused: the medium shrank (or the
		 * unit is confused); look at it again */
		d->events |= SCSI_EV_CAPACITY_CHANGED;
		return VS_E_DEVICE;
	default:
		return rc;
	}
}

/** One request of a read or write: its command and buffers. */
struct scsi_rw_rec {
	struct scsi_req req;
	struct vscsi_cmd cmd;
	uint8_t cdb[16];
	uint8_t sense[VSCSI_SENSE_MAX];
};

/** A read or write as a transfer of blocks (scsi_engine.c). */
struct scsi_rw {
	struct scsi_disk *d;
	bool write;
	uint64_t lba, blocks;	/**< the range */
	uint8_t *buf;
	struct scsi_rw_rec rec[VSCSI_REQ_SLOTS];
};

/**
 * Frame the READ or WRITE of @p blocks blocks from unit @p at on.
 * @v rw	transfer
 * @v r		request
 * @v at	first block, from the start of the range
 * @v blocks	how many
 */
static void scsi_rw_frame_blocks(struct scsi_rw *rw, struct scsi_req *r,
				 uint64_t at, uint32_t blocks)
{
	struct scsi_rw_rec *rec = vs_container_of(r, struct scsi_rw_rec, req);
	struct scsi_disk *d = rw->d;
	struct vscsi_cmd *cmd = &rec->cmd;
	uint32_t bytes = blocks * d->block_size;
	uint8_t *data = rw->buf + at * d->block_size;

	vs_memset(cmd, 0, sizeof(*cmd));
	cmd->target = d->target;
	cmd->lun = d->lun;
	cmd->cdb = rec->cdb;
	cmd->cdb_len = scsi_rw_cdb(d, rec->cdb, rw->write, rw->lba + at, blocks);
	cmd->sense = rec->sense;
	cmd->sense_cap = sizeof(rec->sense);
	cmd->timeout_us = rw->d->timeout_us;
	if (rw->write) {
		cmd->data_out = data;
		cmd->out_len = bytes;
	} else {
		cmd->data_in = data;
		cmd->in_len = bytes;
	}
	r->cmd = cmd;
	r->at = at;
	r->units = blocks;
}

/** Transfer callback: the next chunk, at most max_blocks. */
static bool scsi_rw_frame(struct scsi_xfer *x, struct scsi_req *r, uint64_t at)
{
	struct scsi_rw *rw = x->ctx;
	uint64_t left = rw->blocks - at;

	if (at >= rw->blocks)
		return false;
	scsi_rw_frame_blocks(rw, r, at, left < rw->d->max_blocks ? left :
			     rw->d->max_blocks);
	return true;
}

/** Transfer callback: the buffer mapped in more pieces than fit: halve. */
static bool scsi_rw_shrink(struct scsi_xfer *x, struct scsi_req *r)
{
	if (r->units < 2)
		return false;
	scsi_rw_frame_blocks(x->ctx, r, r->at, r->units / 2);
	return true;
}

/** Transfer callback: a request that succeeded moved all of its data. */
static int scsi_rw_check(struct scsi_xfer *x, struct scsi_req *r)
{
	struct scsi_rw *rw = x->ctx;
	const struct vscsi_cmd *c = r->cmd;

	if (c->in_len ? c->in_done == c->in_len : c->out_done == c->out_len)
		return VS_OK;
	VS_ERR(rw->d->c->plat, "scsi %u:%u: %s of %u bytes moved %u",
	       rw->d->target, rw->d->lun, rw->write ? "write" : "read",
	       c->in_len + c->out_len, c->in_done + c->out_done);
	return VS_E_DEVICE;
}

static const struct scsi_xfer_ops scsi_rw_ops = {
	.frame = scsi_rw_frame,
	.shrink = scsi_rw_shrink,
	.check = scsi_rw_check,
};

/**
 * Move blocks between memory and the disk: chunks of at most max_blocks,
 * as many in flight as the queue's slots and the device's cmd_per_lun
 * allow (§5.6.4), each retried on its own budget (scsi_engine.c).  On an
 * error, the first chunk's that failed is returned, and no later part of
 * the buffer is reported as moved.
 * @v d		disk
 * @v write	direction
 * @v lba	first block
 * @v blocks	number of blocks
 * @v buf	memory
 * @ret rc	VS_OK, VS_E_INVAL for a range outside the disk, or an error
 */
static int scsi_disk_rw(struct scsi_disk *d, bool write, uint64_t lba,
			uint64_t blocks, uint8_t *buf)
{
	struct scsi_rw rw;
	struct scsi_xfer x = {
		.c = d->c, .ops = &scsi_rw_ops, .ctx = &rw,
		.window = d->c->cmd_per_lun,
	};
	unsigned i;
	int rc;

	if (!d->present)
		return VS_E_NOMEDIA;
	if (lba > d->last_lba || blocks > d->last_lba - lba + 1)
		return VS_E_INVAL;
	rw.d = d;
	rw.write = write;
	rw.lba = lba;
	rw.blocks = blocks;
	rw.buf = buf;
	for (i = 0; i < VSCSI_REQ_SLOTS; i++)
		x.req[i] = &rw.rec[i].req;
	rc = scsi_xfer_run(&x);
	d->events |= x.events;
	return rc == VS_OK ? VS_OK : scsi_rw_error(d, rc);
}

/** Read blocks; see scsi_disk_rw. */
int scsi_disk_read(struct scsi_disk *d, uint64_t lba, uint64_t blocks,
		   void *buf)
{
	return scsi_disk_rw(d, false, lba, blocks, buf);
}

/** Write blocks; see scsi_disk_rw. */
int scsi_disk_write(struct scsi_disk *d, uint64_t lba, uint64_t blocks,
		    const void *buf)
{
	if (d->read_only)
		return VS_E_PROTECTED;
	d->dirty = true;	/* even a failed write may have reached the cache */
	return scsi_disk_rw(d, true, lba, blocks, (uint8_t *)buf);
}

/**
 * Flush the disk's volatile cache: SYNCHRONIZE CACHE(10) over the whole
 * medium (SBC-3 §5.22: LBA 0 and 0 blocks mean all of it), sent only when
 * there is one (write_cache) and something was written since the last
 * flush: boot loaders flush after every file they read.
 * @v d		disk
 * @ret rc	VS_OK or an error
 */
int scsi_disk_flush(struct scsi_disk *d)
{
	uint8_t cdb[10] = { SCSI_OP_SYNCHRONIZE_CACHE_10 };
	uint32_t done;
	int rc;

	if (!d->present)
		return VS_E_NOMEDIA;
	if (!d->write_cache || !d->dirty)
		return VS_OK;
	rc = scsi_disk_cmd(d, cdb, sizeof(cdb), NULL, 0, NULL, 0, &done);
	if (rc == VS_OK)
		d->dirty = false;
	return rc;
}
