/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * A fake virtio-scsi PCI device in plain memory: the core's second
 * platform.  It models PCI configuration space with the virtio
 * capabilities (or the legacy I/O BAR), the common configuration, the
 * split rings, a DMA address space separate from CPU addresses
 * (fake_device.c), and SCSI targets with disks in memory
 * (fake_target.c).  Knobs make it misbehave.
 */
#ifndef TEST_FAKE_DEVICE_H
#define TEST_FAKE_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include "vscsi/platform.h"
#include "fake_target.h"

#define FAKE_QUEUES 3
#define FAKE_MAX_MAPS 256
#define FAKE_MAX_HEADS 1024
#define FAKE_BAR_MODERN 4	/**< the modern interface's memory BAR */

/** Ways the device can misbehave, once armed. */
enum fake_fault {
	FAULT_NONE,
	FAULT_USED_ID,		/**< used id that is no chain head */
	FAULT_USED_LEN,		/**< used length beyond the whole chain */
	FAULT_USED_IDX_JUMP,	/**< used idx moves by more than in flight */
	FAULT_SENSE_LEN,	/**< sense_len beyond sense_size */
	FAULT_RESIDUAL,		/**< residual beyond the transfer */
	FAULT_RESPONSE,		/**< unknown response byte */
	FAULT_DROP,		/**< never complete the request */
	FAULT_SHORT,		/**< GOOD status but half the data (residual) */
	FAULT_RESP_ONLY,	/**< writes the response only, residual 0 */
	FAULT_TABLE_WRITE,	/**< writes into the chain's indirect table */
};

struct fake_map {
	bool active;
	uint8_t *cpu;
	uint64_t dev;
	size_t len;
};

/** Most chains a weakly ordered device holds back at once. */
#define FAKE_MAX_DEFERRED 1024

struct fake_queue {
	uint16_t max_size, size;
	bool enabled;
	uint64_t desc, avail, used;	/**< device addresses */
	/* weak ordering (fake_dev.weak_order) */
	uint16_t pub_idx[FAKE_MAX_DEFERRED];	/**< avail idx at the PUBLISH
						 * barrier, per ring entry */
	uint16_t pub_head[FAKE_MAX_DEFERRED];	/**< the entry then */
	uint32_t pub_sum[FAKE_MAX_DEFERRED];	/**< its chain's descriptors */
	bool pub_seen[FAKE_MAX_DEFERRED];
	uint16_t notify_idx;		/**< avail idx at the NOTIFY barrier */
	uint16_t deferred[FAKE_MAX_DEFERRED];	/**< heads not carried out */
	uint16_t deferred_pos[FAKE_MAX_DEFERRED];	/**< their used entries */
	unsigned ndeferred;
	bool filling;			/**< push_used writes at fill_pos */
	uint16_t fill_pos;
	uint16_t last_avail;
	uint16_t used_idx;
	bool kicked;			/**< notified since last carried out */
};

struct fake_dev {
	struct vs_platform plat;
	bool modern;
	uint8_t pci[256];
	uint64_t features;		/**< offered */
	uint64_t driver_features;
	uint32_t dfselect, gfselect;
	uint8_t status;
	bool refuse_features;		/**< FEATURES_OK does not stick */
	bool reset_stuck;		/**< writing status 0 does nothing */
	unsigned bars_unreachable;	/**< mask: bar_check refuses these BARs */
	/**
	 * Act as a weakly ordered machine would let the core see it: a
	 * chain is taken only as it stood at the PUBLISH barrier before its
	 * index moved, a notify counts only after a NOTIFY barrier, and a
	 * completion shows its used index at once but its used element, its
	 * response and its data only at the core's next CONSUME barrier.
	 * Each breach of the order is counted in order_errors.
	 */
	bool weak_order;
	unsigned drop_barrier;		/**< mask of VS_BARRIER_* to ignore */
	unsigned order_errors;
	unsigned barriers[3];		/**< seen, per kind */
	uint16_t queue_select;
	struct fake_queue q[FAKE_QUEUES];
	/* virtio_scsi_config */
	uint32_t num_queues, seg_max, max_sectors, cmd_per_lun;
	uint32_t event_info_size, sense_size, cdb_size;
	uint16_t max_channel, max_target;
	uint32_t max_lun;
	bool config_readonly;		/**< ignores writes of cdb/sense size */
	uint32_t reset_cdb_size;	/**< restored on reset (§5.6.4: 32) */
	uint32_t reset_sense_size;	/**< restored on reset (§5.6.4: 96) */
	struct fake_lun lun[FAKE_TARGETS][FAKE_LUNS];
	bool target_no_report_luns[FAKE_TARGETS];
	bool report_luns_reverse;	/**< list LUNs in descending order */
	bool desc_sense;		/**< sense in descriptor format (72h) */
	unsigned report_luns_extra;	/**< LUNs claimed beyond those sent */
	/* DMA */
	struct fake_map map[FAKE_MAX_MAPS];
	size_t map_limit;		/**< most bytes one dma_map gives (0: all) */
	bool map_fail;			/**< dma_map refuses */
	uint64_t next_iova;		/**< next device address to hand out */
	unsigned dma_errors;		/**< device touched unmapped memory */
	unsigned spec_errors;		/**< chains that break §2.7.5.3.1 */
	/* timing and faults */
	bool deferred;			/**< complete in delay_us, not on notify */
	enum fake_fault fault;
	uint8_t tmf_response;		/**< answer to TMFs (0: complete) */
	bool qemu_used_len;		/**< used len counts readable data too */
	bool events_missed;		/**< an event found no buffer */
	/* fuzzing: bytes that decide what a hostile device writes */
	const uint8_t *fuzz;
	size_t fuzz_len, fuzz_pos;
	bool fuzz_device;		/**< fuzz response fields and used ring */
	bool fuzz_data;			/**< fuzz SCSI data-in and sense */
	/** heads this device falsely completed: processing one later is
	 * its own doing, and not counted in dma_errors */
	bool lied[FAKE_MAX_HEADS];
	bool excused;
	uint64_t latency_us;		/**< time each request takes in the device */
	bool tmf_drop;			/**< never complete a TMF */
	unsigned busy_count;		/**< commands answered BUSY (~0: all) */
	unsigned dma_fail_at;		/**< fail the Nth dma_alloc (1-based; 0 none) */
	unsigned dma_allocs;		/**< dma_alloc calls so far */
	bool notify_off_bad;		/**< queue_notify_off beyond the window */
	bool generation_unstable;	/**< config generation changes every read */
	bool used_no_notify;		/**< VIRTQ_USED_F_NO_NOTIFY in used rings */
	uint8_t generation;
	/* observations */
	uint64_t now_us;		/**< the platform clock (virtual) */
	unsigned now_reads;		/**< reads of it */
	unsigned delays;		/**< delay_us calls */
	unsigned notifies[FAKE_QUEUES];
	unsigned requests;		/**< SCSI commands processed */
	unsigned resets;
	unsigned tmfs;
	uint32_t last_tmf_subtype;
	uint8_t last_cdb[32];
	uint8_t last_lun[8];
	uint64_t last_id;
	uint32_t last_req_len, last_resp_len;
	unsigned last_segments;		/**< data descriptors of the last request */
	unsigned max_segments;
	unsigned max_in_flight;		/**< most chains found pending at once */
	uint16_t last_head;
	char last_log[200];
	const char *log_watch;		/**< count log lines holding this */
	unsigned log_watched;
};

void fake_init(struct fake_dev *fd, bool modern);
uint8_t fake_fuzz_byte(struct fake_dev *fd);
uint32_t fake_fuzz_u32(struct fake_dev *fd);
void fake_fini(struct fake_dev *fd);
unsigned fake_active_maps(const struct fake_dev *fd);
void *fake_dev_to_cpu(struct fake_dev *fd, uint64_t dev, size_t len);
void fake_process(struct fake_dev *fd, unsigned q);
bool fake_send_event(struct fake_dev *fd, uint32_t type, unsigned t,
		     unsigned l, uint32_t reason);
bool fake_send_event_len(struct fake_dev *fd, uint32_t type, unsigned t,
			 unsigned l, uint32_t reason, uint32_t used_len);

#endif /* TEST_FAKE_DEVICE_H */
