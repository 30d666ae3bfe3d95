/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Virtio 1.2 (OASIS) constants and structures used by the core:
 * device status (§2.1), feature bits (§2.2, §6), split virtqueues (§2.7)
 * and virtio over PCI (§4.1), modern and legacy.
 */
#ifndef SPEC_VIRTIO_H
#define SPEC_VIRTIO_H

#include "vscsi/types.h"

/* §2.1 Device Status Field */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER 0x02
#define VIRTIO_STATUS_DRIVER_OK 0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* §6 Reserved Feature Bits */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33

/* §4.1.2 PCI Device Discovery */
#define VIRTIO_PCI_VENDOR_ID 0x1AF4
#define VIRTIO_PCI_DEVICE_ID_MODERN_BASE 0x1040	/* + virtio device ID */
#define VIRTIO_PCI_DEVICE_ID_SCSI_TRANSITIONAL 0x1004
#define VIRTIO_PCI_DEVICE_ID_SCSI_MODERN 0x1048
#define VIRTIO_ID_SCSI 8	/* §5.6.1 */

/* PCI 3.0 configuration header fields used by the transport. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_BUS_MASTER 0x0004
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_REVISION_ID 0x08
#define PCI_BAR0 0x10
#define PCI_BAR_IO 0x1
#define PCI_SUBSYSTEM_ID 0x2E
#define PCI_CAP_PTR 0x34
#define PCI_CAP_ID_VNDR 0x09

/* §4.1.4 Virtio Structure PCI Capabilities: struct virtio_pci_cap */
#define VIRTIO_PCI_CAP_VNDR 0
#define VIRTIO_PCI_CAP_NEXT 1
#define VIRTIO_PCI_CAP_LEN 2
#define VIRTIO_PCI_CAP_CFG_TYPE 3
#define VIRTIO_PCI_CAP_BAR 4
#define VIRTIO_PCI_CAP_OFFSET 8
#define VIRTIO_PCI_CAP_LENGTH 12
#define VIRTIO_PCI_NOTIFY_CAP_MULT 16	/* §4.1.4.4 notify_off_multiplier */
#define VIRTIO_PCI_CAP_MIN_LEN 16
#define VIRTIO_PCI_NOTIFY_CAP_MIN_LEN 20

#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* §4.1.4.3 struct virtio_pci_common_cfg field offsets */
#define VIRTIO_PCI_COMMON_DFSELECT 0x00
#define VIRTIO_PCI_COMMON_DF 0x04
#define VIRTIO_PCI_COMMON_GFSELECT 0x08
#define VIRTIO_PCI_COMMON_GF 0x0C
#define VIRTIO_PCI_COMMON_MSIX 0x10
#define VIRTIO_PCI_COMMON_NUMQ 0x12
#define VIRTIO_PCI_COMMON_STATUS 0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION 0x15
#define VIRTIO_PCI_COMMON_Q_SELECT 0x16
#define VIRTIO_PCI_COMMON_Q_SIZE 0x18
#define VIRTIO_PCI_COMMON_Q_MSIX 0x1A
#define VIRTIO_PCI_COMMON_Q_ENABLE 0x1C
#define VIRTIO_PCI_COMMON_Q_NOFF 0x1E
#define VIRTIO_PCI_COMMON_Q_DESC 0x20
#define VIRTIO_PCI_COMMON_Q_AVAIL 0x28
#define VIRTIO_PCI_COMMON_Q_USED 0x30
#define VIRTIO_PCI_COMMON_CFG_MIN_LEN 0x38

/* §4.1.4.8 Legacy Interfaces: A Note on PCI Device Layout (I/O BAR 0) */
#define VIRTIO_PCI_LEGACY_BAR 0
#define VIRTIO_PCI_LEGACY_HOST_FEATURES 0x00
#define VIRTIO_PCI_LEGACY_GUEST_FEATURES 0x04
#define VIRTIO_PCI_LEGACY_QUEUE_PFN 0x08
#define VIRTIO_PCI_LEGACY_QUEUE_SIZE 0x0C
#define VIRTIO_PCI_LEGACY_QUEUE_SELECT 0x0E
#define VIRTIO_PCI_LEGACY_QUEUE_NOTIFY 0x10
#define VIRTIO_PCI_LEGACY_STATUS 0x12
#define VIRTIO_PCI_LEGACY_ISR 0x13
#define VIRTIO_PCI_LEGACY_CONFIG 0x14	/* device config, MSI-X disabled */
#define VIRTIO_PCI_LEGACY_QUEUE_ALIGN 4096	/* §2.7.2 legacy ring alignment */
#define VIRTIO_PCI_LEGACY_PFN_SHIFT 12

/* §2.7.5 The Virtqueue Descriptor Table */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* §2.7.6 The Virtqueue Available Ring */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
	/* uint16_t used_event; only with VIRTIO_F_EVENT_IDX */
};

/* §2.7.8 The Virtqueue Used Ring */
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
	/* uint16_t avail_event; only with VIRTIO_F_EVENT_IDX */
};

/* §2.7 Queue Size is a power of 2, at most 32768. */
#define VIRTQ_MAX_SIZE 32768

#endif /* SPEC_VIRTIO_H */
