/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Virtio over PCI transport (virtio 1.2 §4.1): modern capabilities and
 * the legacy I/O BAR, behind one set of calls.
 */
#ifndef VSCSI_VIRTIO_PCI_H
#define VSCSI_VIRTIO_PCI_H

#include "vscsi/platform.h"

/** Where a virtio structure lives: a window in one BAR. */
struct vp_region {
	bool present;
	bool is_io;
	uint8_t bar;
	uint32_t offset;
	uint32_t length;
};

/** A virtio PCI device. */
struct vp_dev {
	struct vs_platform *plat;
	bool modern;			/**< modern interface in use */
	struct vp_region common;	/**< modern: common configuration */
	struct vp_region notify;	/**< modern: notifications */
	uint32_t notify_mult;		/**< modern: notify_off_multiplier */
	struct vp_region isr;		/**< modern: ISR status */
	struct vp_region device;	/**< device configuration (both) */
	struct vp_region legacy;	/**< legacy: whole I/O BAR 0 */
	uint16_t pci_device_id;
};

/** A queue's ring addresses as the device sees them. */
struct vp_queue_addr {
	uint64_t desc;
	uint64_t avail;
	uint64_t used;
};

bool vp_is_virtio_scsi(uint16_t vendor, uint16_t device);
int vp_probe(struct vp_dev *vp, struct vs_platform *plat);
int vp_reset(struct vp_dev *vp);
uint8_t vp_get_status(struct vp_dev *vp);
void vp_set_status(struct vp_dev *vp, uint8_t status);
void vp_add_status(struct vp_dev *vp, uint8_t bits);
uint64_t vp_get_features(struct vp_dev *vp);
int vp_set_features(struct vp_dev *vp, uint64_t features);
int vp_config_read(struct vp_dev *vp, uint32_t offset, unsigned width,
		   uint32_t *val);
int vp_config_write(struct vp_dev *vp, uint32_t offset, unsigned width,
		    uint32_t val);
uint16_t vp_queue_size(struct vp_dev *vp, uint16_t index);
bool vp_queue_live(struct vp_dev *vp, uint16_t index);
int vp_queue_enable(struct vp_dev *vp, uint16_t index, uint16_t size,
		    const struct vp_queue_addr *addr, uint32_t *notify_off);
void vp_notify(struct vp_dev *vp, uint16_t index, uint32_t notify_off);

#endif /* VSCSI_VIRTIO_PCI_H */
