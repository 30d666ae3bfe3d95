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

/*
 * Reading what a medium is -- geometry, write protection and cache, transfer
 * limits -- is three steps, each one command per disk.  Many disks (a
 * scan's new units) take each step together, as one batch of the engine
 * (scsi_batch_run): one round of requests per step, not one per disk.
 */

/** Steps of a probe, and the fallbacks within them. */
enum scsi_probe_step {
	SCSI_PROBE_CAPACITY,	/* READ CAPACITY (16), or (10) where refused */
	SCSI_PROBE_MODE,	/* MODE SENSE: Caching page, or header only */
	SCSI_PROBE_LIMITS,	/* Block Limits VPD page */
};

/** A probe of up to VSCSI_REQ_SLOTS disks. */
struct scsi_probe {
	struct scsi_disk **d;
	int *rc;		/**< each disk's outcome so far */
	enum scsi_probe_step step;
	unsigned who[VSCSI_REQ_SLOTS];	/**< the disks taking this round */
	bool again[VSCSI_REQ_SLOTS];	/**< a fallback is due (by disk) */
	bool header_only[VSCSI_REQ_SLOTS];	/**< MODE SENSE's fallback */
};

/**
 * Batch callback: the step's command for one disk.  READ CAPACITY(16)
 * (SBC-3 §5.16) first, for the physical block and alignment fields, (10)
 * (§5.15) for CD/DVD (MMC) and units that refuse (16); MODE SENSE(6) of
 * the Caching page without block descriptors (SBC-3 §6.5.1 WP, §6.5.4
 * WCE), the header alone where the page is refused; the Block Limits page
 * (SBC-3 §6.6.4).
 */
static void scsi_probe_frame(void *ctx, unsigned i, struct vscsi_cmd *cmd)
{
	struct scsi_probe *pr = ctx;
	unsigned k = pr->who[i];
	struct scsi_disk *d = pr->d[k];
	uint8_t *cdb = (uint8_t *)cmd->cdb;

	cmd->target = d->target;
	cmd->lun = d->lun;
	if (pr->step == SCSI_PROBE_CAPACITY && !d->no_rc16) {
		cdb[0] = SCSI_OP_SERVICE_ACTION_IN_16;
		cdb[1] = SCSI_SAI_READ_CAPACITY_16;
		put_be32(cdb + 10, SCSI_READ_CAPACITY_16_LEN);
		cmd->cdb_len = 16;
		cmd->in_len = SCSI_READ_CAPACITY_16_LEN;
	} else if (pr->step == SCSI_PROBE_CAPACITY) {
		cdb[0] = SCSI_OP_READ_CAPACITY_10;
		cmd->cdb_len = 10;
		cmd->in_len = SCSI_READ_CAPACITY_10_LEN;
	} else if (pr->step == SCSI_PROBE_MODE) {
		cdb[0] = SCSI_OP_MODE_SENSE_6;
		cdb[1] = pr->header_only[k] ? 0 : SCSI_MODE_SENSE_DBD;
		cdb[2] = pr->header_only[k] ? SCSI_MODE_PAGE_ALL :
			 SCSI_MODE_PAGE_CACHING;
		cdb[4] = SCSI_MODE_HDR6_LEN +
			 (pr->header_only[k] ? 0 : SCSI_MODE_CACHING_LEN);
		cmd->cdb_len = 6;
		cmd->in_len = cdb[4];
	} else {
		cdb[0] = SCSI_OP_INQUIRY;
		cdb[1] = SCSI_INQ_EVPD;
		cdb[2] = SCSI_VPD_BLOCK_LIMITS;
		cdb[4] = SCSI_VPD_BLOCK_LIMITS_LEN;
		cmd->cdb_len = 6;
		cmd->in_len = SCSI_VPD_BLOCK_LIMITS_LEN;
	}
}

/**
 * Take READ CAPACITY's answer: a unit that refuses (16) is asked (10)
 * next; (10) answering all ones ("use (16)") from a unit that refused
 * (16), or from a CD, leaves no size.
 */
static int scsi_probe_capacity(struct scsi_probe *pr, unsigned k, int rc,
			       const uint8_t *data, uint32_t done)
{
	struct scsi_disk *d = pr->d[k];
	bool sixteen = !d->no_rc16;

	if (sixteen && rc == VS_E_UNSUPPORTED) {
		d->no_rc16 = true;
		pr->again[k] = true;
		return rc;
	}
	if (rc != VS_OK)
		return rc;
	if (!sixteen) {
		if (done < SCSI_READ_CAPACITY_10_LEN ||
		    get_be32(data) == SCSI_READ_CAPACITY_10_MAX_LBA)
			return VS_E_DEVICE;
		return scsi_disk_set_geometry(d, get_be32(data),
					      get_be32(data + 4));
	}
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
 * Take MODE SENSE's answer: write protection from the header, the cache
 * from the Caching page only where the header says no block descriptor
 * precedes it.  A LUN without the page is asked for the header alone; one
 * that answers neither is taken as writable, its cache as on (a flush is
 * then sent, as it always was).
 */
static void scsi_probe_mode(struct scsi_probe *pr, unsigned k, int rc,
			    const uint8_t *data, uint32_t done)
{
	struct scsi_disk *d = pr->d[k];
	const uint8_t *page = data + SCSI_MODE_HDR6_LEN;

	if (rc != VS_OK) {
		pr->again[k] = !pr->header_only[k];
		pr->header_only[k] = true;
		return;
	}
	if (done >= 3)
		d->read_only = data[2] & SCSI_MODE_WP;
	if (!pr->header_only[k] &&
	    done >= SCSI_MODE_HDR6_LEN + SCSI_MODE_CACHING_LEN && data[3] == 0 &&
	    (page[0] & 0x3F) == SCSI_MODE_PAGE_CACHING &&
	    page[1] >= SCSI_MODE_CACHING_LEN - 2)
		d->write_cache = page[2] & SCSI_MODE_CACHING_WCE;
}

/** Take the Block Limits page, when the unit has it. */
static void scsi_probe_limits(struct scsi_disk *d, int rc, const uint8_t *page,
			      uint32_t done)
{
	if (rc != VS_OK || done < 16 || page[1] != SCSI_VPD_BLOCK_LIMITS)
		return;
	d->opt_granularity = get_be16(page + 6);
	d->max_transfer_blocks = get_be32(page + 8);
	if (d->max_transfer_blocks && d->max_transfer_blocks < d->max_blocks)
		d->max_blocks = d->max_transfer_blocks;
}

/** Batch callback: take one disk's answer to the step. */
static bool scsi_probe_take(void *ctx, unsigned i, int rc,
			    const struct vscsi_cmd *cmd, unsigned events)
{
	struct scsi_probe *pr = ctx;
	unsigned k = pr->who[i];
	const uint8_t *data = cmd->data_in;

	pr->d[k]->events |= events;
	if (pr->step == SCSI_PROBE_CAPACITY)
		pr->rc[k] = scsi_probe_capacity(pr, k, rc, data, cmd->in_done);
	else if (pr->step == SCSI_PROBE_MODE)
		scsi_probe_mode(pr, k, rc, data, cmd->in_done);
	else
		scsi_probe_limits(pr->d[k], rc, data, cmd->in_done);
	return true;
}

static const struct scsi_batch_ops scsi_probe_ops = {
	.frame = scsi_probe_frame,
	.take = scsi_probe_take,
};

/**
 * Whether a disk takes a step (its first round): CD/DVD media are
 * read-only to us and have no mode or limits to ask for.
 */
static bool scsi_probe_takes(const struct scsi_disk *d, int rc,
			     enum scsi_probe_step step)
{
	if (step == SCSI_PROBE_CAPACITY)
		return true;
	return rc == VS_OK && d->pdt == SCSI_PDT_DIRECT_ACCESS;
}

/**
 * Run one step on the disks that take it, and its fallbacks.
 * @v pr	probe
 * @v n		disks
 * @v step	the step
 */
static void scsi_probe_step(struct scsi_probe *pr, unsigned n,
			    enum scsi_probe_step step)
{
	unsigned k, m;
	bool first;

	pr->step = step;
	for (first = true;; first = false) {
		for (k = m = 0; k < n; k++) {
			if (first ? scsi_probe_takes(pr->d[k], pr->rc[k], step) :
			    pr->again[k])
				pr->who[m++] = k;
			pr->again[k] = false;
		}
		if (!m)
			return;
		scsi_batch_run(pr->d[0]->c, m, &scsi_probe_ops, pr);
	}
}

/**
 * Read what the media of up to VSCSI_REQ_SLOTS disks are, together:
 * geometry, write protection and cache, transfer limits.
 * @v d		the disks (of one adapter)
 * @v n		how many
 * @ret rc	each disk's outcome: VS_OK, VS_E_NOMEDIA, or an error
 *		(d->present cleared)
 */
static void scsi_disks_probe(struct scsi_disk **d, unsigned n, int *rc)
{
	struct scsi_probe pr = { .d = d, .rc = rc };
	unsigned k;

	for (k = 0; k < n; k++) {
		d[k]->present = false;
		d[k]->phys_exp = 0;
		d[k]->lowest_aligned = 0;
		d[k]->read_only = d[k]->pdt == SCSI_PDT_CDROM;
		d[k]->write_cache = d[k]->pdt != SCSI_PDT_CDROM;
		if (d[k]->pdt == SCSI_PDT_CDROM)
			d[k]->no_rc16 = true;
		pr.header_only[k] = false;
	}
	scsi_probe_step(&pr, n, SCSI_PROBE_CAPACITY);
	scsi_probe_step(&pr, n, SCSI_PROBE_MODE);
	scsi_probe_step(&pr, n, SCSI_PROBE_LIMITS);
}

/**
 * Read the disk's geometry alone.
 * @v d		disk
 * @ret rc	VS_OK, VS_E_NOMEDIA, or another error (d->present cleared)
 */
int scsi_read_capacity(struct scsi_disk *d)
{
	struct scsi_probe pr = { .d = &d };
	int rc = VS_OK;

	pr.rc = &rc;
	d->present = false;
	if (d->pdt == SCSI_PDT_CDROM)
		d->no_rc16 = true;
	scsi_probe_step(&pr, 1, SCSI_PROBE_CAPACITY);
	return rc;
}

/**
 * Open block devices of one adapter together (a scan's new units), a
 * queue's worth at a time: geometry, write protection, transfer limits.
 * @v d		disks to fill
 * @v c		adapter
 * @v info	each unit, from INQUIRY
 * @v n		how many
 * @ret rc	each: VS_OK; or VS_E_NOMEDIA (usable, no medium); or an error
 */
void scsi_disks_open(struct scsi_disk **d, struct vscsi_ctrl *c,
		     const struct scsi_lun_info *const *info, unsigned n,
		     int *rc)
{
	unsigned k, first, m;

	for (k = 0; k < n; k++) {
		vs_memset(d[k], 0, sizeof(*d[k]));
		d[k]->c = c;
		d[k]->target = info[k]->target;
		d[k]->lun = info[k]->lun;
		d[k]->pdt = info[k]->pdt;
		d[k]->removable = info[k]->removable;
		rc[k] = VS_OK;
	}
	for (first = 0; first < n; first += m) {
		m = n - first < VSCSI_REQ_SLOTS ? n - first : VSCSI_REQ_SLOTS;
		scsi_disks_probe(d + first, m, rc + first);
	}
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
	int rc;

	scsi_disks_open(&d, c, &info, 1, &rc);
	return rc;
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
	scsi_disks_probe(&d, 1, &rc);
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
