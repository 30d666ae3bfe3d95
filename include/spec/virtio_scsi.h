/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Virtio 1.2 §5.6 SCSI Host Device: configuration, request, control and
 * event structures.  All multi-byte fields are little-endian on modern
 * devices and guest-native (little-endian on x86) on legacy ones.
 */
#ifndef SPEC_VIRTIO_SCSI_H
#define SPEC_VIRTIO_SCSI_H

#include "vscsi/types.h"

/* §5.6.2 Virtqueues */
#define VIRTIO_SCSI_VQ_CONTROL 0
#define VIRTIO_SCSI_VQ_EVENT 1
#define VIRTIO_SCSI_VQ_REQUEST 2

/* §5.6.3 Feature bits */
#define VIRTIO_SCSI_F_INOUT 0
#define VIRTIO_SCSI_F_HOTPLUG 1
#define VIRTIO_SCSI_F_CHANGE 2
#define VIRTIO_SCSI_F_T10_PI 3

/* §5.6.4 struct virtio_scsi_config field offsets */
#define VIRTIO_SCSI_CFG_NUM_QUEUES 0
#define VIRTIO_SCSI_CFG_SEG_MAX 4
#define VIRTIO_SCSI_CFG_MAX_SECTORS 8
#define VIRTIO_SCSI_CFG_CMD_PER_LUN 12
#define VIRTIO_SCSI_CFG_EVENT_INFO_SIZE 16
#define VIRTIO_SCSI_CFG_SENSE_SIZE 20
#define VIRTIO_SCSI_CFG_CDB_SIZE 24
#define VIRTIO_SCSI_CFG_MAX_CHANNEL 28
#define VIRTIO_SCSI_CFG_MAX_TARGET 30
#define VIRTIO_SCSI_CFG_MAX_LUN 32
#define VIRTIO_SCSI_CFG_SIZE 36

/* §5.6.4 defaults a device MUST restore on reset */
#define VIRTIO_SCSI_DEFAULT_SENSE_SIZE 96
#define VIRTIO_SCSI_DEFAULT_CDB_SIZE 32

/* §5.6.6.1 LUN addressing: a target and a single-level LUN structure */
#define VIRTIO_SCSI_LUN_BYTE0 1
#define VIRTIO_SCSI_MAX_TARGET 255
#define VIRTIO_SCSI_MAX_LUN 16383
#define VIRTIO_SCSI_LUN_FLAT 0x40	/* SAM flat space addressing */

/*
 * §5.6.6.1 struct virtio_scsi_req_cmd, device-readable part without the
 * CDB; the header the device reads is exactly this plus cdb_size bytes.
 */
struct virtio_scsi_req_head {
	uint8_t lun[8];
	uint64_t id;
	uint8_t task_attr;
	uint8_t prio;
	uint8_t crn;
} __attribute__((packed));
#define VIRTIO_SCSI_REQ_HEAD_SIZE 19
/* with the largest CDB we frame (32) */
#define VIRTIO_SCSI_REQ_HEAD_SIZE_MAX (VIRTIO_SCSI_REQ_HEAD_SIZE + 32)

/* Device-writable part without the sense bytes: 12 + sense_size in all. */
struct virtio_scsi_resp_head {
	uint32_t sense_len;
	uint32_t residual;
	uint16_t status_qualifier;
	uint8_t status;
	uint8_t response;
} __attribute__((packed));
#define VIRTIO_SCSI_RESP_HEAD_SIZE 12
/* with the largest sense buffer we frame (96) */
#define VIRTIO_SCSI_RESP_SIZE_MAX (VIRTIO_SCSI_RESP_HEAD_SIZE + 96)

/* §5.6.6.1 response values for command requests */
#define VIRTIO_SCSI_S_OK 0
#define VIRTIO_SCSI_S_OVERRUN 1
#define VIRTIO_SCSI_S_ABORTED 2
#define VIRTIO_SCSI_S_BAD_TARGET 3
#define VIRTIO_SCSI_S_RESET 4
#define VIRTIO_SCSI_S_BUSY 5
#define VIRTIO_SCSI_S_TRANSPORT_FAILURE 6
#define VIRTIO_SCSI_S_TARGET_FAILURE 7
#define VIRTIO_SCSI_S_NEXUS_FAILURE 8
#define VIRTIO_SCSI_S_FAILURE 9
#define VIRTIO_SCSI_S_INCORRECT_LUN 12

/* §5.6.6.1 task_attr */
#define VIRTIO_SCSI_S_SIMPLE 0
#define VIRTIO_SCSI_S_ORDERED 1
#define VIRTIO_SCSI_S_HEAD 2
#define VIRTIO_SCSI_S_ACA 3

/* §5.6.6.2 Device Operation: controlq */
#define VIRTIO_SCSI_T_TMF 0
#define VIRTIO_SCSI_T_AN_QUERY 1
#define VIRTIO_SCSI_T_AN_SUBSCRIBE 2

#define VIRTIO_SCSI_T_TMF_ABORT_TASK 0
#define VIRTIO_SCSI_T_TMF_ABORT_TASK_SET 1
#define VIRTIO_SCSI_T_TMF_CLEAR_ACA 2
#define VIRTIO_SCSI_T_TMF_CLEAR_TASK_SET 3
#define VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET 4
#define VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET 5
#define VIRTIO_SCSI_T_TMF_QUERY_TASK 6
#define VIRTIO_SCSI_T_TMF_QUERY_TASK_SET 7

/* TMF response values (in addition to the command ones above) */
#define VIRTIO_SCSI_S_FUNCTION_COMPLETE 0
#define VIRTIO_SCSI_S_FUNCTION_SUCCEEDED 10
#define VIRTIO_SCSI_S_FUNCTION_REJECTED 11

struct virtio_scsi_ctrl_tmf_req {
	uint32_t type;
	uint32_t subtype;
	uint8_t lun[8];
	uint64_t id;
} __attribute__((packed));

struct virtio_scsi_ctrl_tmf_resp {
	uint8_t response;
} __attribute__((packed));

/* §5.6.6.3 Device Operation: eventq */
#define VIRTIO_SCSI_T_NO_EVENT 0
#define VIRTIO_SCSI_T_TRANSPORT_RESET 1
#define VIRTIO_SCSI_T_ASYNC_NOTIFY 2
#define VIRTIO_SCSI_T_PARAM_CHANGE 3
#define VIRTIO_SCSI_T_EVENTS_MISSED 0x80000000u

#define VIRTIO_SCSI_EVT_RESET_HARD 0
#define VIRTIO_SCSI_EVT_RESET_RESCAN 1
#define VIRTIO_SCSI_EVT_RESET_REMOVED 2

/*
 * §5.6.6.3.2: a VIRTIO_SCSI_T_PARAM_CHANGE event carries the unit
 * attention's additional sense code in bits 0-7 of reason and its
 * qualifier in bits 8-15.
 */
#define VIRTIO_SCSI_EVT_ASC(reason) ((uint8_t)((reason) & 0xFF))
#define VIRTIO_SCSI_EVT_ASCQ(reason) ((uint8_t)(((reason) >> 8) & 0xFF))

struct virtio_scsi_event {
	uint32_t event;
	uint8_t lun[8];
	uint32_t reason;
} __attribute__((packed));

#endif /* SPEC_VIRTIO_SCSI_H */
