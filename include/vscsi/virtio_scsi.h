/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Virtio-scsi host adapter (virtio 1.2 §5.6): device set-up, command
 * requests on one polled request queue, task management on the control
 * queue.
 */
#ifndef VSCSI_VIRTIO_SCSI_H
#define VSCSI_VIRTIO_SCSI_H

#include "spec/virtio_scsi.h"
#include "vscsi/vp_transport.h"

/** Features of the device type the adapter uses (§5.6.3): bidirectional
 * commands, hot-plug and parameter-change events. */
#define VSCSI_FEATURES ((1ull << VIRTIO_SCSI_F_INOUT) | \
			(1ull << VIRTIO_SCSI_F_HOTPLUG) | \
			(1ull << VIRTIO_SCSI_F_CHANGE))
/** Request slots on the request queue (requests in flight at most). */
#define VSCSI_REQ_SLOTS 32
/** Descriptors a request slot has at least: header, response, 2 data. */
#define VSCSI_REQ_MIN_DESCS 4
/** Largest request queue we set up (modern devices may be shrunk to it). */
#define VSCSI_REQ_QUEUE_SIZE 256
/** Event buffers kept posted on the event queue (§5.6.5). */
#define VSCSI_EVENT_BUFS 4
/** CDB and sense sizes we frame with (the §5.6.4 defaults). */
#define VSCSI_CDB_MAX 32
#define VSCSI_CDB_MIN 16	/* READ(16) and READ CAPACITY(16) must fit */
#define VSCSI_SENSE_MAX 96
/** Timeout used when a caller gives none (UEFI "wait forever"). */
#ifndef VSCSI_DEFAULT_TIMEOUT_US
#define VSCSI_DEFAULT_TIMEOUT_US (60ull * 1000 * 1000)
#endif
/** Timeout of task management functions. */
#ifndef VSCSI_TMF_TIMEOUT_US
#define VSCSI_TMF_TIMEOUT_US (10ull * 1000 * 1000)
#endif
/** Largest data transfer of one request we ever ask for. */
#define VSCSI_MAX_TRANSFER (32u << 20)
/** Deadline of a self-test's round trip (vscsi_self_test). */
#define VSCSI_SELF_TEST_TIMEOUT_US (1000u * 1000)

/** One SCSI command as the caller describes it, and its outcome. */
struct vscsi_cmd {
	uint8_t target;
	uint16_t lun;
	const uint8_t *cdb;
	uint8_t cdb_len;
	void *data_in;		/**< device writes here (may be NULL) */
	uint32_t in_len;
	const void *data_out;	/**< device reads from here (may be NULL) */
	uint32_t out_len;
	uint8_t *sense;		/**< sense buffer (may be NULL) */
	uint8_t sense_cap;	/**< its size */
	uint64_t timeout_us;	/**< 0: VSCSI_DEFAULT_TIMEOUT_US */
	/* outcome, valid when vscsi_exec returns VS_OK */
	uint8_t response;	/**< VIRTIO_SCSI_S_* */
	uint8_t status;		/**< SCSI status */
	uint8_t sense_len;	/**< bytes copied to sense */
	uint32_t in_done;	/**< bytes the device wrote to data_in */
	uint32_t out_done;	/**< bytes the device read from data_out */
};

/** An event from the event queue (§5.6.6.3), checked and decoded. */
struct vscsi_event {
	uint32_t type;		/**< VIRTIO_SCSI_T_* without the missed flag */
	bool missed;		/**< events were lost: rescan everything */
	bool has_lun;		/**< target and lun name a unit we can address */
	uint8_t target;
	uint16_t lun;
	uint32_t reason;	/**< TRANSPORT_RESET: VIRTIO_SCSI_EVT_RESET_* */
	uint16_t asc_ascq;	/**< PARAM_CHANGE: SCSI_ASC_ASCQ of the unit
				 * attention, decoded from reason (§5.6.6.3.2) */
};

/** Shared memory of one request slot: request header and response. */
struct vscsi_slot_mem {
	uint8_t req[VIRTIO_SCSI_REQ_HEAD_SIZE_MAX];
	uint8_t resp[VIRTIO_SCSI_RESP_SIZE_MAX];
};

/** Driver-private state of a request slot. */
struct vscsi_slot {
	enum { VSCSI_SLOT_FREE, VSCSI_SLOT_BUSY, VSCSI_SLOT_DONE } state;
	struct vscsi_cmd *cmd;
	void *tokens[VQ_MAX_SLOT_DESCS];	/**< data mappings */
	unsigned ntokens;
	uint64_t deadline;	/**< on the platform's clock (vs_now_us) */
	int rc;			/**< outcome once DONE */
};

/** A virtio-scsi host adapter. */
struct vscsi_ctrl {
	struct vs_platform *plat;
	struct vs_transport *t;	/**< the seam: own, or a host's */
	struct vs_queue *ctrlq, *eventq, *reqq;	/**< t's queues (§5.6.2) */
	uint64_t features;	/**< negotiated */
	/* configuration, checked (§5.6.4) */
	uint32_t num_queues, seg_max, max_sectors, cmd_per_lun;
	uint32_t cdb_size, sense_size;
	uint32_t max_target, max_lun;
	/* derived limits */
	uint32_t max_segs;	/**< data segments per request */
	uint32_t max_transfer;	/**< data bytes per request */
	/* shared memory for headers, TMFs and events */
	void *mem;
	size_t mem_size;
	uint64_t mem_dev;
	void *mem_token;
	uint64_t next_id;
	bool running;		/**< DRIVER_OK set and not reset since */
	bool stopped;		/**< vscsi_stop: never set up again */
	struct vscsi_slot slot[VSCSI_REQ_SLOTS];
	/* statistics */
	uint64_t requests, resets;
	/** the core's own transport, when vscsi_init opened it */
	struct vp_transport own;
};

/** What vscsi_self_test found. */
struct vscsi_health {
	uint8_t status;		/**< device status byte (§2.1) */
	unsigned queues_live;	/**< queues the device holds live */
	uint8_t target;		/**< the unit of the round trip */
	uint16_t lun;
	int tur_rc;		/**< the TEST UNIT READY's vscsi_exec status */
	uint64_t tur_us;	/**< its round trip, on the platform's clock */
};

/** Queues of the adapter: control, event, request (§5.6.2). */
#define VSCSI_QUEUES (VIRTIO_SCSI_VQ_REQUEST + 1)

extern const struct vs_queue_want vscsi_queues[VSCSI_QUEUES];

int vscsi_init(struct vscsi_ctrl *c, struct vs_platform *plat);
int vscsi_attach(struct vscsi_ctrl *c, struct vs_transport *t);
bool vscsi_self_test(struct vscsi_ctrl *c, uint8_t target, uint16_t lun,
		     struct vscsi_health *h);
void vscsi_halt(struct vscsi_ctrl *c);
void vscsi_stop(struct vscsi_ctrl *c);
void vscsi_fini(struct vscsi_ctrl *c);
int vscsi_restart(struct vscsi_ctrl *c);
int vscsi_exec(struct vscsi_ctrl *c, struct vscsi_cmd *cmd);
int vscsi_submit(struct vscsi_ctrl *c, struct vscsi_cmd *cmd);
void vscsi_kick(struct vscsi_ctrl *c);
int vscsi_complete(struct vscsi_ctrl *c, int slot);
int vscsi_tmf(struct vscsi_ctrl *c, uint32_t subtype, uint8_t target,
	      uint16_t lun);
void vscsi_encode_lun(uint8_t lun_bytes[8], uint8_t target, uint16_t lun);
int vscsi_poll_event(struct vscsi_ctrl *c, struct vscsi_event *ev);

#endif /* VSCSI_VIRTIO_SCSI_H */
