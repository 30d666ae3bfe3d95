/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Virtio-scsi host adapter (virtio 1.2 §5.6).
 *
 * One request queue, driven by synchronous polling; the control queue for
 * task management; the event queue kept stocked with buffers (§5.6.5).
 * Every field the device writes into a response is checked here, the one
 * point where device data enters the SCSI layer.
 */
#include "spec/virtio.h"
#include "spec/scsi.h"
#include "spec/virtio_scsi.h"
#include "vscsi/byteorder.h"
#include "vscsi/virtio_scsi.h"

/** Shared memory of the adapter, allocated once at init. */
struct vscsi_shared {
	struct vscsi_slot_mem slot[VSCSI_REQ_SLOTS];
	struct virtio_scsi_ctrl_tmf_req tmf_req;
	struct virtio_scsi_ctrl_tmf_resp tmf_resp;
	struct virtio_scsi_event event[VSCSI_EVENT_BUFS];
};

static struct vscsi_shared *vscsi_shm(struct vscsi_ctrl *c)
{
	return c->mem;
}

/** Device address of a field of the shared memory. */
static uint64_t vscsi_dev_addr(struct vscsi_ctrl *c, const void *field)
{
	return c->mem_dev + ((const uint8_t *)field - (const uint8_t *)c->mem);
}

/**
 * Encode a target and LUN (§5.6.6.1): byte 0 is 1, byte 1 the target,
 * bytes 2-3 a single-level LUN in flat space addressing.
 * @v lun_bytes	the 8-byte field to fill
 * @v target	target 0-255
 * @v lun	LUN 0-16383
 */
void vscsi_encode_lun(uint8_t lun_bytes[8], uint8_t target, uint16_t lun)
{
	vs_memset(lun_bytes, 0, 8);
	lun_bytes[0] = VIRTIO_SCSI_LUN_BYTE0;
	lun_bytes[1] = target;
	lun_bytes[2] = VIRTIO_SCSI_LUN_FLAT | ((lun >> 8) & 0x3F);
	lun_bytes[3] = lun & 0xFF;
}

/**
 * Read and check the device configuration (§5.6.4), writing cdb_size and
 * sense_size when the device's do not fit our framing.
 * @v c		adapter
 * @ret rc	VS_OK or VS_E_DEVICE
 */
static int vscsi_read_config(struct vscsi_ctrl *c)
{
	struct vs_transport *t = c->t;
	int (*rd)(struct vs_transport *, uint32_t, unsigned, uint32_t *) =
		t->ops->config_read;
	uint32_t max_target = 0;
	int rc = VS_OK;

	rc |= rd(t, VIRTIO_SCSI_CFG_NUM_QUEUES, 4, &c->num_queues);
	rc |= rd(t, VIRTIO_SCSI_CFG_SEG_MAX, 4, &c->seg_max);
	rc |= rd(t, VIRTIO_SCSI_CFG_MAX_SECTORS, 4, &c->max_sectors);
	rc |= rd(t, VIRTIO_SCSI_CFG_CMD_PER_LUN, 4, &c->cmd_per_lun);
	rc |= rd(t, VIRTIO_SCSI_CFG_CDB_SIZE, 4, &c->cdb_size);
	rc |= rd(t, VIRTIO_SCSI_CFG_SENSE_SIZE, 4, &c->sense_size);
	rc |= rd(t, VIRTIO_SCSI_CFG_MAX_TARGET, 2, &max_target);
	rc |= rd(t, VIRTIO_SCSI_CFG_MAX_LUN, 4, &c->max_lun);
	if (rc != VS_OK)
		return VS_E_DEVICE;
	/* Sizes we cannot frame with are rewritten in vscsi_set_sizes() */
	if (c->cdb_size < VSCSI_CDB_MIN || c->cdb_size > VSCSI_CDB_MAX)
		c->cdb_size = VSCSI_CDB_MAX;
	if (c->sense_size > VSCSI_SENSE_MAX)
		c->sense_size = VSCSI_SENSE_MAX;
	if (c->num_queues == 0 || c->seg_max == 0 || c->max_sectors == 0) {
		VS_ERR(c->plat, "virtio-scsi: bad config: queues %u seg_max %u "
		       "max_sectors %u cdb %u sense %u", c->num_queues,
		       c->seg_max, c->max_sectors, c->cdb_size, c->sense_size);
		return VS_E_DEVICE;
	}
	/* §5.6.4: no more linked commands to one LUN than cmd_per_lun */
	if (c->cmd_per_lun == 0) {
		VS_INFO(c->plat, "virtio-scsi: cmd_per_lun 0, using 1");
		c->cmd_per_lun = 1;
	}
	/* §5.6.6.1: the LUN format addresses 256 targets, 16384 LUNs */
	c->max_target = max_target > VIRTIO_SCSI_MAX_TARGET ?
			VIRTIO_SCSI_MAX_TARGET : max_target;
	if (c->max_lun > VIRTIO_SCSI_MAX_LUN)
		c->max_lun = VIRTIO_SCSI_MAX_LUN;
	c->max_transfer = c->max_sectors > VSCSI_MAX_TRANSFER / 512 ?
			  VSCSI_MAX_TRANSFER : c->max_sectors * 512;
	return VS_OK;
}

/**
 * Make the device use one of our framing sizes.  cdb_size and sense_size
 * return to the defaults on every reset (§5.6.4), so this runs in each
 * bring-up; they are the only fields the driver may write (§5.6.4.1).
 * @v c		adapter
 * @v offset	VIRTIO_SCSI_CFG_CDB_SIZE or VIRTIO_SCSI_CFG_SENSE_SIZE
 * @v want	the size we frame with
 * @ret rc	VS_OK, or VS_E_DEVICE if the device keeps another value
 */
static int vscsi_set_size(struct vscsi_ctrl *c, uint32_t offset, uint32_t want)
{
	const struct vs_transport_ops *ops = c->t->ops;
	uint32_t have;

	if (ops->config_read(c->t, offset, 4, &have) == VS_OK && have == want)
		return VS_OK;
	ops->config_write(c->t, offset, 4, want);
	if (ops->config_read(c->t, offset, 4, &have) == VS_OK && have == want)
		return VS_OK;
	VS_ERR(c->plat, "virtio-scsi: config field %u stays %u, not %u", offset,
	       have, want);
	return VS_E_DEVICE;
}

/**
 * Post one event buffer (§5.6.5: the driver keeps the eventq stocked),
 * cleared, so that nothing of an earlier event can be read from it again.
 * @v c		adapter
 * @v i		buffer (and slot) index
 * @ret rc	VS_OK or an error of vs_queue_add
 */
static int vscsi_post_event(struct vscsi_ctrl *c, uint16_t i)
{
	struct virtio_scsi_event *ev = &vscsi_shm(c)->event[i];
	struct vq_buf buf = {
		.addr = vscsi_dev_addr(c, ev), .len = sizeof(*ev), .writable = true,
	};

	vs_memset(ev, 0, sizeof(*ev));
	return vs_queue_add(c->eventq, i, &buf, 1);
}

/**
 * Finish the initialisation sequence (§3.1.1) on a device whose features
 * are agreed and whose queues are live and empty (at attach, and after a
 * restart): the framing sizes, the event buffers, DRIVER_OK (step 8).
 * @v c		adapter
 * @ret rc	VS_OK, or an error after setting FAILED
 */
static int vscsi_bring_up(struct vscsi_ctrl *c)
{
	uint16_t i;
	int rc;

	rc = vscsi_set_size(c, VIRTIO_SCSI_CFG_CDB_SIZE, c->cdb_size);
	if (rc == VS_OK)
		rc = vscsi_set_size(c, VIRTIO_SCSI_CFG_SENSE_SIZE, c->sense_size);
	if (rc != VS_OK) {
		c->t->ops->add_status(c->t, VIRTIO_STATUS_FAILED);
		return rc;
	}
	for (i = 0; i < c->eventq->slots; i++)
		vscsi_post_event(c, i);
	c->t->ops->add_status(c->t, VIRTIO_STATUS_DRIVER_OK);
	vs_queue_kick(c->eventq);
	c->running = true;
	return VS_OK;
}

/**
 * What the adapter asks of each queue (§5.6.2: all three kinds are set
 * up; vhost needs it).  A TMF is a chain of 2 (request, response), an
 * event buffer 1; a request is header, data..., response, data...: 2
 * framing and at least one data descriptor, rounded up to 4, the
 * smallest queue size (a power of two) that carries one.  Slots are as
 * many of those as fit, up to VSCSI_REQ_SLOTS; with indirect descriptors
 * (§2.7.5.3) one per ring entry, so only that many entries are asked for.
 */
const struct vs_queue_want vscsi_queues[VSCSI_QUEUES] = {
	[VIRTIO_SCSI_VQ_CONTROL] = { 4, 1, 2, false },
	[VIRTIO_SCSI_VQ_EVENT] = { VSCSI_EVENT_BUFS, VSCSI_EVENT_BUFS, 1, false },
	[VIRTIO_SCSI_VQ_REQUEST] = { VSCSI_REQ_QUEUE_SIZE, VSCSI_REQ_SLOTS,
				     VSCSI_REQ_MIN_DESCS, true },
};

/**
 * Probe and start a virtio-scsi adapter on the core's own transport.
 * @v c		adapter to fill
 * @v plat	platform of the PCI function
 * @ret rc	VS_OK; VS_E_NODEV (not one we can drive, or its registers
 *		unreachable), VS_E_TIMEOUT (it never finished a reset),
 *		VS_E_REFUSED (it refused our features), VS_E_DEVICE (its
 *		configuration is unusable) or VS_E_NOMEM
 */
int vscsi_init(struct vscsi_ctrl *c, struct vs_platform *plat)
{
	int rc;

	vs_memset(c, 0, sizeof(*c));
	rc = vp_transport_open(&c->own, plat, VSCSI_FEATURES, vscsi_queues,
			       VSCSI_QUEUES);
	if (rc != VS_OK)
		return rc;
	rc = vscsi_attach(c, &c->own.t);
	if (rc != VS_OK) {
		/* the rings are freed after a reset; FAILED says we gave up */
		vp_transport_close(&c->own);
		vp_add_status(&c->own.vp, VIRTIO_STATUS_FAILED);
	}
	return rc;
}

/**
 * Check that a transport's queues can carry the adapter's chains.
 * @v c		adapter
 * @ret rc	VS_OK, or VS_E_DEVICE (logged)
 */
static int vscsi_check_queues(struct vscsi_ctrl *c)
{
	unsigned i;

	for (i = 0; i < VSCSI_QUEUES; i++)
		if (i >= c->t->nqueues || !c->t->queue[i] ||
		    c->t->queue[i]->slots == 0 ||
		    c->t->queue[i]->slots > vscsi_queues[i].max_slots ||
		    c->t->queue[i]->slot_descs < vscsi_queues[i].min_descs) {
			VS_ERR(c->plat, "virtio-scsi: queue %u is not cut for "
			       "chains of %u, %u at most", i,
			       vscsi_queues[i].min_descs,
			       vscsi_queues[i].max_slots);
			return VS_E_DEVICE;
		}
	return VS_OK;
}

/**
 * Start a virtio-scsi adapter on a transport whose features are agreed
 * and whose three queues are live (§3.1.1 steps 1-7 done): the core's own
 * (vscsi_init), or a host's (docs/porting.md).
 * @v c		adapter: zeroed, or filled by vscsi_init
 * @v t		transport
 * @ret rc	VS_OK; VS_E_DEVICE (its queues or configuration are unusable)
 *		or VS_E_NOMEM; the device is then FAILED
 */
int vscsi_attach(struct vscsi_ctrl *c, struct vs_transport *t)
{
	struct vs_platform *plat = t->plat;
	int rc;

	c->plat = plat;
	c->t = t;
	c->features = t->features;
	rc = vscsi_check_queues(c);
	if (rc == VS_OK)
		rc = vscsi_read_config(c);
	if (rc != VS_OK)
		goto err_config;
	c->ctrlq = t->queue[VIRTIO_SCSI_VQ_CONTROL];
	c->eventq = t->queue[VIRTIO_SCSI_VQ_EVENT];
	c->reqq = t->queue[VIRTIO_SCSI_VQ_REQUEST];
	c->max_segs = c->reqq->slot_descs - 2;
	if (c->max_segs > c->seg_max)
		c->max_segs = c->seg_max;
	c->mem_size = sizeof(struct vscsi_shared);
	rc = plat->ops->dma_alloc(plat, c->mem_size, &c->mem, &c->mem_dev,
				  &c->mem_token);
	if (rc != VS_OK)
		goto err_config;
	rc = vscsi_bring_up(c);
	if (rc != VS_OK)
		goto err_bring_up;
	VS_INFO(plat, "virtio-scsi: %s, queue %u (%u slots of %u%s), seg_max %u, "
		"max_sectors %u, cmd_per_lun %u, targets 0-%u, luns 0-%u",
		t->modern ? "modern" : "legacy", c->reqq->size, c->reqq->slots,
		c->reqq->slot_descs,
		c->features & (1ull << VIRTIO_F_INDIRECT_DESC) ? ", indirect" : "",
		c->seg_max, c->max_sectors, c->cmd_per_lun, c->max_target,
		c->max_lun);
	return VS_OK;

err_bring_up:
	t->ops->reset(t);
	plat->ops->dma_free(plat, c->mem_size, c->mem, c->mem_token);
	c->mem = NULL;
err_config:
	t->ops->add_status(t, VIRTIO_STATUS_FAILED);
	return rc;
}

/**
 * Stop all device activity: after this no DMA is pending.  Used at
 * ExitBootServices, where no memory may be freed.
 * @v c		adapter
 */
void vscsi_halt(struct vscsi_ctrl *c)
{
	c->t->ops->reset(c->t);
	c->running = false;
}

/**
 * Reset the device for good (the OS is taking over, ExitBootServices):
 * unlike vscsi_halt, no later request sets it up again.
 * @v c		adapter
 */
void vscsi_stop(struct vscsi_ctrl *c)
{
	c->stopped = true;
	vscsi_halt(c);
}

/**
 * A quick self-test of a running adapter, changing nothing: the device
 * status, the queues as the device's own registers hold them, and one
 * request's round trip (TEST UNIT READY; any answer of the device counts,
 * BAD_TARGET or a CHECK CONDITION too).
 * @v c		adapter
 * @v target	unit of the round trip
 * @v lun
 * @v h		findings
 * @ret ok	DRIVER_OK and nothing failed, every queue live, an answer
 */
bool vscsi_self_test(struct vscsi_ctrl *c, uint8_t target, uint16_t lun,
		     struct vscsi_health *h)
{
	static const uint8_t tur[6] = { SCSI_OP_TEST_UNIT_READY };
	struct vscsi_cmd cmd = { .target = target, .lun = lun, .cdb = tur,
				 .cdb_len = sizeof(tur),
				 .timeout_us = VSCSI_SELF_TEST_TIMEOUT_US };
	uint64_t t0;
	unsigned q;

	vs_memset(h, 0, sizeof(*h));
	h->status = c->t->ops->status(c->t);
	for (q = 0; q < VSCSI_QUEUES; q++)
		h->queues_live += c->t->ops->queue_live(c->t, q);
	h->target = target;
	h->lun = lun;
	t0 = vs_now_us(c->plat);
	h->tur_rc = vscsi_exec(c, &cmd);
	h->tur_us = vs_now_us(c->plat) - t0;
	return (h->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(h->status & (VIRTIO_STATUS_FAILED | VIRTIO_STATUS_NEEDS_RESET)) &&
	       h->queues_live == VSCSI_QUEUES && h->tur_rc == VS_OK;
}

/**
 * Reset the device and free everything; the reverse of vscsi_init (and
 * of vscsi_attach: a host's transport stays the host's to close).
 * @v c		adapter
 */
void vscsi_fini(struct vscsi_ctrl *c)
{
	vscsi_halt(c);
	if (c->t == &c->own.t)
		vp_transport_close(&c->own);
	c->plat->ops->dma_free(c->plat, c->mem_size, c->mem, c->mem_token);
	c->mem = NULL;
}

/** Undo the data mappings of a request. */
static void vscsi_unmap(struct vscsi_ctrl *c, void **tokens, unsigned n)
{
	while (n--)
		c->plat->ops->dma_unmap(c->plat, tokens[n]);
}

/**
 * Map a data buffer into segments appended to a chain.
 * @v c		adapter
 * @v dir	direction
 * @v buf	buffer
 * @v len	bytes
 * @v bufs	chain to append to
 * @v nbufs	entries used so far; updated
 * @v tokens	mapping tokens; appended to
 * @v ntokens	tokens so far; updated
 * @v max_bufs	room in the chain
 * @ret rc	VS_OK, VS_E_BADSIZE if it needs more segments, VS_E_NOMEM
 */
static int vscsi_map_data(struct vscsi_ctrl *c, enum vs_dma_dir dir,
			  void *buf, uint32_t len, struct vq_buf *bufs,
			  unsigned *nbufs, void **tokens, unsigned *ntokens,
			  unsigned max_bufs)
{
	uint8_t *p = buf;
	unsigned segs = 0;
	size_t chunk;
	uint64_t dev;
	int rc;

	while (len) {
		if (*nbufs >= max_bufs || segs >= c->seg_max)
			return VS_E_BADSIZE;
		chunk = len;
		rc = c->plat->ops->dma_map(c->plat, dir, p, &chunk, &dev,
					   &tokens[*ntokens]);
		if (rc != VS_OK || chunk == 0 || chunk > len)
			return rc != VS_OK ? rc : VS_E_NOMEM;
		(*ntokens)++;
		bufs[(*nbufs)++] = (struct vq_buf){
			.addr = dev, .len = chunk,
			.writable = dir == VS_DMA_FROM_DEVICE,
		};
		p += chunk;
		len -= chunk;
		segs++;
	}
	return VS_OK;
}

/**
 * Check the parameters of a command against the adapter's limits.
 * @v c		adapter
 * @v cmd	command
 * @ret rc	VS_OK, VS_E_INVAL, VS_E_UNSUPPORTED or VS_E_BADSIZE
 */
static int vscsi_check_cmd(struct vscsi_ctrl *c, const struct vscsi_cmd *cmd)
{
	if (cmd->target > c->max_target || cmd->lun > c->max_lun ||
	    !cmd->cdb || cmd->cdb_len == 0 ||
	    (cmd->in_len && !cmd->data_in) || (cmd->out_len && !cmd->data_out))
		return VS_E_INVAL;
	if (cmd->cdb_len > c->cdb_size)
		return VS_E_UNSUPPORTED;
	if (cmd->in_len && cmd->out_len &&
	    !(c->features & (1ull << VIRTIO_SCSI_F_INOUT)))
		return VS_E_UNSUPPORTED;
	if (cmd->in_len > c->max_transfer || cmd->out_len > c->max_transfer)
		return VS_E_BADSIZE;
	return VS_OK;
}

/**
 * Frame the request header of a slot (§5.6.6.1).
 * @v c		adapter
 * @v req	slot's header memory
 * @v cmd	command
 */
static void vscsi_frame(struct vscsi_ctrl *c, uint8_t *req,
			const struct vscsi_cmd *cmd)
{
	vs_memset(req, 0, VIRTIO_SCSI_REQ_HEAD_SIZE + c->cdb_size);
	vscsi_encode_lun(req, cmd->target, cmd->lun);
	put_le64(req + offsetof(struct virtio_scsi_req_head, id), ++c->next_id);
	req[offsetof(struct virtio_scsi_req_head, task_attr)] = VIRTIO_SCSI_S_SIMPLE;
	vs_memcpy(req + VIRTIO_SCSI_REQ_HEAD_SIZE, cmd->cdb, cmd->cdb_len);
}

/**
 * Tell whether a response byte is one §5.6.6.1 defines.
 * @v response	VIRTIO_SCSI_S_* from the device
 * @ret known	it is
 */
static bool vscsi_response_known(uint8_t response)
{
	switch (response) {
	case VIRTIO_SCSI_S_OK: case VIRTIO_SCSI_S_OVERRUN:
	case VIRTIO_SCSI_S_ABORTED: case VIRTIO_SCSI_S_BAD_TARGET:
	case VIRTIO_SCSI_S_RESET: case VIRTIO_SCSI_S_BUSY:
	case VIRTIO_SCSI_S_TRANSPORT_FAILURE: case VIRTIO_SCSI_S_TARGET_FAILURE:
	case VIRTIO_SCSI_S_NEXUS_FAILURE: case VIRTIO_SCSI_S_FAILURE:
	case VIRTIO_SCSI_S_INCORRECT_LUN:
		return true;
	default:
		return false;
	}
}

/**
 * Check and take the response of a completed request (§5.6.6.1).
 * @v c		adapter
 * @v resp	slot's response memory
 * @v used_len	the used length, clamped to the chain's writable bytes
 * @v cmd	command; its outcome fields are filled
 * @ret rc	VS_OK, or VS_E_DEVICE for values out of range
 */
static int vscsi_take_response(struct vscsi_ctrl *c, const uint8_t *resp,
			       uint32_t used_len, struct vscsi_cmd *cmd)
{
	uint32_t sense_len = get_le32(resp);
	uint32_t residual = get_le32(resp + 4);
	uint8_t response = resp[11];
	uint32_t resp_size = VIRTIO_SCSI_RESP_HEAD_SIZE + c->sense_size;
	uint32_t data_written, copy;

	/*
	 * The writable part of the chain is the response, then the data-in
	 * buffer (§5.6.6.1): the used length says how much of it the device
	 * wrote, so at most used_len - resp_size bytes of data arrived.
	 */
	if (used_len < VIRTIO_SCSI_RESP_HEAD_SIZE) {
		VS_ERR(c->plat, "virtio-scsi: used length %u: no response", used_len);
		return VS_E_DEVICE;
	}
	data_written = used_len > resp_size ? used_len - resp_size : 0;
	if (!vscsi_response_known(response) || sense_len > c->sense_size ||
	    residual > (uint64_t)cmd->in_len + cmd->out_len) {
		VS_ERR(c->plat, "virtio-scsi: bad response: response %u, "
		       "sense_len %u (most %u), residual %u (most %u)", response,
		       sense_len, c->sense_size, residual,
		       cmd->in_len + cmd->out_len);
		return VS_E_DEVICE;
	}
	cmd->response = response;
	cmd->status = resp[10];
	copy = sense_len < cmd->sense_cap ? sense_len : cmd->sense_cap;
	if (copy && cmd->sense)
		vs_memcpy(cmd->sense, resp + VIRTIO_SCSI_RESP_HEAD_SIZE, copy);
	cmd->sense_len = cmd->sense ? copy : 0;
	/* "residual < size of datain" means dataout went entirely */
	if (residual <= cmd->in_len) {
		cmd->in_done = cmd->in_len - residual;
		cmd->out_done = cmd->out_len;
	} else {
		cmd->in_done = 0;
		cmd->out_done = cmd->out_len - (residual - cmd->in_len);
	}
	if (response != VIRTIO_SCSI_S_OK)
		cmd->in_done = cmd->out_done = 0;
	if (cmd->in_done > data_written) {
		VS_ERR(c->plat, "virtio-scsi: residual says %u bytes arrived, "
		       "used length %u allows %u", cmd->in_done, used_len,
		       data_written);
		return VS_E_DEVICE;
	}
	return VS_OK;
}

/**
 * Find a free request slot.
 * @v c		adapter
 * @ret slot	slot index, or VS_E_BUSY when every slot is in flight
 */
static int vscsi_find_slot(struct vscsi_ctrl *c)
{
	unsigned i;

	for (i = 0; i < c->reqq->slots; i++)
		if (c->slot[i].state == VSCSI_SLOT_FREE)
			return i;
	return VS_E_BUSY;
}

/**
 * Frame a command on a free slot and publish it; the device is told at
 * the next vscsi_kick(), so a batch costs one notification.
 * @v c		adapter
 * @v cmd	command; must stay valid until vscsi_complete()
 * @ret slot	slot index (>= 0), or VS_E_INVAL, VS_E_UNSUPPORTED,
 *		VS_E_BADSIZE (in_done / out_done say what fits), VS_E_NOMEM,
 *		VS_E_BUSY, VS_E_DEVICE
 */
int vscsi_submit(struct vscsi_ctrl *c, struct vscsi_cmd *cmd)
{
	struct vq_buf bufs[VQ_MAX_SLOT_DESCS];
	unsigned nbufs = 0, max_bufs = c->reqq->slot_descs;
	struct vscsi_slot_mem *m;
	struct vscsi_slot *s;
	int rc, i;

	rc = vscsi_check_cmd(c, cmd);
	if (rc == VS_E_BADSIZE) {
		cmd->in_done = cmd->in_len ? c->max_transfer : 0;
		cmd->out_done = cmd->out_len ? c->max_transfer : 0;
	}
	if (rc != VS_OK)
		return rc;
	if (!c->running && vscsi_restart(c) != VS_OK)
		return VS_E_DEVICE;
	i = vscsi_find_slot(c);
	if (i < 0)
		return i;
	s = &c->slot[i];
	m = &vscsi_shm(c)->slot[i];
	s->ntokens = 0;

	vscsi_frame(c, m->req, cmd);
	bufs[nbufs++] = (struct vq_buf){ vscsi_dev_addr(c, m->req),
		VIRTIO_SCSI_REQ_HEAD_SIZE + c->cdb_size, false };
	/* §2.7.4.2: device-readable buffers precede device-writable ones */
	rc = vscsi_map_data(c, VS_DMA_TO_DEVICE, (void *)cmd->data_out,
			    cmd->out_len, bufs, &nbufs, s->tokens, &s->ntokens,
			    max_bufs - 1);
	if (rc == VS_OK) {
		bufs[nbufs++] = (struct vq_buf){ vscsi_dev_addr(c, m->resp),
			VIRTIO_SCSI_RESP_HEAD_SIZE + c->sense_size, true };
		rc = vscsi_map_data(c, VS_DMA_FROM_DEVICE, cmd->data_in,
				    cmd->in_len, bufs, &nbufs, s->tokens,
				    &s->ntokens, max_bufs);
	}
	if (rc == VS_OK) {
		vs_memset(m->resp, 0, sizeof(m->resp));
		rc = vs_queue_add(c->reqq, i, bufs, nbufs);
	}
	if (rc != VS_OK) {
		vscsi_unmap(c, s->tokens, s->ntokens);
		return rc;
	}
	s->state = VSCSI_SLOT_BUSY;
	s->cmd = cmd;
	VS_DBG(c->plat, "scsi %u:%u: submit slot %u op %02x in %u out %u",
	       cmd->target, cmd->lun, i, cmd->cdb[0], cmd->in_len, cmd->out_len);
	s->deadline = vs_deadline(c->plat, cmd->timeout_us ? cmd->timeout_us :
				  VSCSI_DEFAULT_TIMEOUT_US);
	c->requests++;
	return i;
}

/** Notify the device of every request submitted since the last kick. */
void vscsi_kick(struct vscsi_ctrl *c)
{
	vs_queue_kick(c->reqq);
}

/**
 * Finish a slot the device gave back: unmap its data, take its response.
 * @v c		adapter
 * @v i		slot
 * @v rc	VS_OK, or the error that ends it (timeout, broken ring)
 * @v used_len	the used length (VS_OK only)
 */
static void vscsi_finish(struct vscsi_ctrl *c, unsigned i, int rc,
			 uint32_t used_len)
{
	struct vscsi_slot *s = &c->slot[i];

	vscsi_unmap(c, s->tokens, s->ntokens);
	if (rc == VS_OK)
		rc = vscsi_take_response(c, vscsi_shm(c)->slot[i].resp, used_len,
					 s->cmd);
	s->rc = rc;
	s->state = VSCSI_SLOT_DONE;
	VS_DBG(c->plat, "scsi %u:%u: complete slot %u rc %d response %u status "
	       "%02x in %u out %u", s->cmd->target, s->cmd->lun, i, rc,
	       s->cmd->response, s->cmd->status, s->cmd->in_done,
	       s->cmd->out_done);
}

/**
 * Reset the device and set it up again.  Every request still with the
 * device fails with @p rc; the reset comes first, so no DMA into a buffer
 * is pending once it is unmapped.
 * @v c		adapter
 * @v rc	what the requests in flight get (VS_E_TIMEOUT, VS_E_DEVICE)
 * @ret rc	VS_OK, or an error (the adapter then stays halted)
 */
static int vscsi_reset_and_fail(struct vscsi_ctrl *c, int fail)
{
	unsigned i;
	int rc;

	vscsi_halt(c);
	/* every request in flight ends now, stopped or not: none may be
	 * waited for again, or report an older outcome */
	for (i = 0; i < c->reqq->slots; i++)
		if (c->slot[i].state == VSCSI_SLOT_BUSY)
			vscsi_finish(c, i, fail, 0);
	vs_queue_rewind(c->ctrlq);
	vs_queue_rewind(c->eventq);
	vs_queue_rewind(c->reqq);
	if (c->stopped)
		return VS_E_DEVICE;
	c->resets++;
	rc = c->t->ops->restart(c->t);
	if (rc == VS_OK)
		rc = vscsi_bring_up(c);
	if (rc != VS_OK)
		VS_ERR(c->plat, "virtio-scsi: restart failed (%d)", rc);
	return rc;
}

/**
 * Reset the device and set it up again, dropping every request in flight
 * (used when the event ring breaks, or the device was halted).
 * @v c		adapter
 * @ret rc	VS_OK or an error (the adapter then stays halted)
 */
int vscsi_restart(struct vscsi_ctrl *c)
{
	return vscsi_reset_and_fail(c, VS_E_DEVICE);
}

/**
 * A request timed out or the request ring broke: log, reset, fail all.
 * @v c		adapter
 * @v rc	VS_E_TIMEOUT or VS_E_DEVICE
 */
static void vscsi_abort_all(struct vscsi_ctrl *c, int rc)
{
	VS_ERR(c->plat, "virtio-scsi: request %s, resetting device",
	       rc == VS_E_TIMEOUT ? "timed out" : "failed");
	vscsi_reset_and_fail(c, rc);
}

/**
 * Wait for a submitted request, taking any other completions that come
 * first, and free its slot.
 * @v c		adapter
 * @v i		slot from vscsi_submit
 * @ret rc	VS_OK (the command's outcome fields tell the rest),
 *		VS_E_TIMEOUT, or VS_E_DEVICE
 */
int vscsi_complete(struct vscsi_ctrl *c, int i)
{
	struct vscsi_slot *s = &c->slot[i];
	uint16_t done;
	uint32_t len;
	int rc;

	while (s->state == VSCSI_SLOT_BUSY) {
		rc = vs_queue_take(c->reqq, &done, &len);
		if (rc > 0 && done < c->reqq->slots &&
		    c->slot[done].state == VSCSI_SLOT_BUSY) {
			vscsi_finish(c, done, VS_OK, len);
		} else if (rc < 0) {
			/* a bad entry: the slot it names, if any, is lost too */
			if (done < c->reqq->slots &&
			    c->slot[done].state == VSCSI_SLOT_BUSY)
				vscsi_finish(c, done, VS_E_DEVICE, 0);
			vscsi_abort_all(c, VS_E_DEVICE);
		} else if (rc == 0) {
			if (vs_expired(c->plat, s->deadline)) {
				vscsi_abort_all(c, VS_E_TIMEOUT);
				break;
			}
			vs_cpu_relax();
		}
	}
	s->state = VSCSI_SLOT_FREE;
	return s->rc;
}

/**
 * Execute one SCSI command and wait for it.
 *
 * On VS_OK the command reached the adapter and @p cmd's outcome says what
 * happened (response, status, sense, bytes moved).  A timeout or a bad
 * ring entry resets the device, so no DMA into the caller's buffer is left
 * pending when this returns.
 *
 * @v c		adapter
 * @v cmd	command
 * @ret rc	VS_OK, or an error of vscsi_submit or vscsi_complete
 */
int vscsi_exec(struct vscsi_ctrl *c, struct vscsi_cmd *cmd)
{
	int slot = vscsi_submit(c, cmd);

	if (slot < 0)
		return slot;
	vscsi_kick(c);
	return vscsi_complete(c, slot);
}

/**
 * Wait for the control queue's one chain to come back.
 * @v c		adapter
 * @ret rc	VS_OK, VS_E_TIMEOUT, or VS_E_DEVICE for a bad used entry
 */
static int vscsi_wait_ctrl(struct vscsi_ctrl *c)
{
	uint64_t deadline = vs_deadline(c->plat, VSCSI_TMF_TIMEOUT_US);
	uint16_t done;
	uint32_t len;
	int rc;

	for (;;) {
		rc = vs_queue_take(c->ctrlq, &done, &len);
		if (rc != 0)
			return rc > 0 ? VS_OK : rc;
		if (vs_expired(c->plat, deadline))
			return VS_E_TIMEOUT;
		vs_cpu_relax();
	}
}

/**
 * Send a task management function on the control queue (§5.6.6.2).
 * @v c		adapter
 * @v subtype	VIRTIO_SCSI_T_TMF_*
 * @v target	target
 * @v lun	LUN
 * @ret rc	VS_OK when the function completed or succeeded, VS_E_NOTARGET
 *		for an absent target or LUN, VS_E_UNSUPPORTED when rejected,
 *		VS_E_TIMEOUT, VS_E_DEVICE
 */
int vscsi_tmf(struct vscsi_ctrl *c, uint32_t subtype, uint8_t target,
	      uint16_t lun)
{
	struct vscsi_shared *s = vscsi_shm(c);
	struct vq_buf bufs[2] = {
		{ vscsi_dev_addr(c, &s->tmf_req), sizeof(s->tmf_req), false },
		{ vscsi_dev_addr(c, &s->tmf_resp), sizeof(s->tmf_resp), true },
	};
	uint8_t response;
	int rc;

	if (target > c->max_target || lun > c->max_lun)
		return VS_E_INVAL;
	if (!c->running && vscsi_restart(c) != VS_OK)
		return VS_E_DEVICE;
	vs_memset(&s->tmf_req, 0, sizeof(s->tmf_req));
	put_le32((uint8_t *)&s->tmf_req.type, VIRTIO_SCSI_T_TMF);
	put_le32((uint8_t *)&s->tmf_req.subtype, subtype);
	vscsi_encode_lun(s->tmf_req.lun, target, lun);
	s->tmf_resp.response = 0xFF;
	rc = vs_queue_add(c->ctrlq, 0, bufs, 2);
	if (rc != VS_OK)
		return rc;
	vs_queue_kick(c->ctrlq);
	rc = vscsi_wait_ctrl(c);
	if (rc != VS_OK) {
		vscsi_abort_all(c, rc);
		return rc;
	}
	response = s->tmf_resp.response;
	switch (response) {
	case VIRTIO_SCSI_S_FUNCTION_COMPLETE:
	case VIRTIO_SCSI_S_FUNCTION_SUCCEEDED:
		return VS_OK;
	case VIRTIO_SCSI_S_BAD_TARGET:
	case VIRTIO_SCSI_S_INCORRECT_LUN:
		return VS_E_NOTARGET;
	case VIRTIO_SCSI_S_FUNCTION_REJECTED:
		return VS_E_UNSUPPORTED;
	default:
		VS_ERR(c->plat, "virtio-scsi: TMF %u answered %u", subtype, response);
		return VS_E_DEVICE;
	}
}

/**
 * Take one event from the event queue and post its buffer again
 * (§5.6.6.3).  What the device wrote is copied out once and checked here:
 * a buffer it filled short of a whole struct virtio_scsi_event, and a
 * broken event ring, come back as "missed" (rescan everything); an event
 * naming a unit beyond max_target/max_lun is logged and comes back
 * without a unit (has_lun false), to be ignored.
 * @v c		adapter
 * @ret ev	the event
 * @ret rc	1 for an event, 0 for none, VS_E_DEVICE if the device is gone
 */
int vscsi_poll_event(struct vscsi_ctrl *c, struct vscsi_event *ev)
{
	struct virtio_scsi_event raw;
	uint32_t len, type;
	uint16_t slot, lun;
	int rc;

	vs_memset(ev, 0, sizeof(*ev));
	if (!c->running)
		return 0;
	rc = vs_queue_take(c->eventq, &slot, &len);
	if (rc == 0)
		return 0;
	if (rc < 0) {
		/* the event ring cannot be trusted: start over, rescan */
		if (vscsi_restart(c) != VS_OK)
			return VS_E_DEVICE;
		ev->missed = true;
		return 1;
	}
	/* one copy out of shared memory: what is checked is what is used */
	vs_memcpy(&raw, &vscsi_shm(c)->event[slot], sizeof(raw));
	vscsi_post_event(c, slot);
	vs_queue_kick(c->eventq);
	if (len < sizeof(raw)) {
		VS_INFO(c->plat, "virtio-scsi: event of %u bytes, rescanning", len);
		ev->missed = true;
		return 1;
	}
	type = get_le32((uint8_t *)&raw.event);
	ev->missed = type & VIRTIO_SCSI_T_EVENTS_MISSED;
	ev->type = type & ~VIRTIO_SCSI_T_EVENTS_MISSED;
	ev->reason = get_le32((uint8_t *)&raw.reason);
	if (ev->type == VIRTIO_SCSI_T_PARAM_CHANGE)
		ev->asc_ascq = SCSI_ASC_ASCQ(VIRTIO_SCSI_EVT_ASC(ev->reason),
					     VIRTIO_SCSI_EVT_ASCQ(ev->reason));
	if (ev->type == VIRTIO_SCSI_T_NO_EVENT)
		return 1;
	/* §5.6.6.1 LUN layout: 1, target, then a flat or peripheral LUN */
	lun = ((raw.lun[2] & 0x3F) << 8) | raw.lun[3];
	if (raw.lun[0] == VIRTIO_SCSI_LUN_BYTE0 && raw.lun[1] <= c->max_target &&
	    lun <= c->max_lun) {
		ev->has_lun = true;
		ev->target = raw.lun[1];
		ev->lun = lun;
	} else {
		VS_ERR(c->plat, "virtio-scsi: event %u for unit %u:%u beyond "
		       "%u:%u, ignored", ev->type, raw.lun[1], lun, c->max_target,
		       c->max_lun);
	}
	return 1;
}
