/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Private structures of the UEFI glue.
 */
#ifndef VSCSI_EFI_H
#define VSCSI_EFI_H

#include <efi.h>
#include <efilib.h>
#include "spec/virtio.h"
#include "uefi/disk_info.h"
#include "uefi/ext_scsi_pass_thru.h"
#include "uefi/scsi_io.h"
#include "uefi/vscsi_stats.h"
#include "uefi/driver_diagnostics.h"
#include "arch.h"
#include "vscsi/scsi_inventory.h"

/** Driver-binding version: above OVMF's virtio drivers (0x10). */
#define VS_EFI_DRIVER_VERSION 0x11
/**
 * Buffer alignment callers must honour (Block I/O and pass-thru IoAlign):
 * none.  A virtqueue descriptor holds any address and length (virtio 1.2
 * §2.7.5), and PciIo Map takes any buffer (it bounces where it must).
 */
#define VS_EFI_IO_ALIGN 1
#define VS_EFI_CTRL_SIGNATURE 0x43535356u	/* "VSSC" */
#define VS_EFI_DISK_SIGNATURE 0x44535356u	/* "VSSD" */

/*
 * The driver does without libefi (efi/uefi_lib.c): boot services through
 * our own pointer, and the few helpers it needs.
 */
extern EFI_BOOT_SERVICES *vs_bs;
VOID *vs_efi_alloc(UINTN size);
void vs_efi_free(VOID *p);
EFI_DEVICE_PATH *vs_efi_append_node(EFI_DEVICE_PATH *path, EFI_DEVICE_PATH *node);

/* Protocol GUIDs (guids.c) */
extern EFI_GUID vs_efi_block_io_guid;
extern EFI_GUID vs_efi_component_name2_guid;
extern EFI_GUID vs_efi_component_name_guid;
extern EFI_GUID vs_efi_device_path_guid;
extern EFI_GUID vs_efi_diagnostics2_guid;
extern EFI_GUID vs_efi_driver_binding_guid;
extern EFI_GUID vs_efi_block_io2_guid;
extern EFI_GUID vs_efi_disk_info_guid;
extern EFI_GUID vs_efi_pass_thru_guid;
extern EFI_GUID vs_efi_scsi_io_guid;
extern EFI_GUID vs_efi_stats_guid;
extern EFI_GUID vs_efi_loaded_image_guid;
extern EFI_GUID vs_efi_pci_io_guid;
extern EFI_GUID vs_efi_supported_version_guid;

/** The platform of one PCI function, backed by EFI_PCI_IO_PROTOCOL. */
struct vs_efi_platform {
	struct vs_platform base;
	EFI_PCI_IO *pci_io;
};

struct vs_efi_disk;

/** Deferred work of a controller (vs_efi_ctrl.pending), done by its timer. */
#define VS_WORK_POLL 0x1	/**< the event queue may hold events */
#define VS_WORK_CONNECT 0x2	/**< hot-plugged children to connect */

/** One controller we manage. */
struct vs_efi_ctrl {
	UINT32 signature;
	EFI_HANDLE handle;
	EFI_HANDLE driver;	/**< our driver-binding handle */
	EFI_PCI_IO *pci_io;
	EFI_DEVICE_PATH *dev_path;
	UINT64 orig_attributes;
	struct vs_efi_platform plat;
	struct vscsi_ctrl core;
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL pass_thru;
	EFI_EXT_SCSI_PASS_THRU_MODE mode;
	VSCSI_STATS_PROTOCOL stats;
	EFI_EVENT exit_boot_event;
	/** The one deferred-work mechanism: periodic, at TPL_CALLBACK. */
	EFI_EVENT timer;
	UINT32 pending;		/**< VS_WORK_* */
	/** Units that appear get a child (after Start's own scan). */
	BOOLEAN adopt;
	/**
	 * The children, newest first: one per address at most, with or
	 * without a unit.  Only a caller's Stop, ConnectController of the
	 * controller or unload takes one away; the timer only adds.
	 */
	struct vs_efi_disk *children;
	/** The units: the legal address list of the pass-thru. */
	struct scsi_inventory inv;
};

/** One Block I/O child. */
struct vs_efi_disk {
	UINT32 signature;
	EFI_HANDLE handle;
	struct vs_efi_ctrl *ctrl;
	struct vs_efi_disk *next;	/**< in ctrl->children */
	/**
	 * The unit; NULL while it is gone (nothing may reach the core), set
	 * again when a unit comes back at the same address.
	 */
	struct scsi_unit *unit;
	EFI_DEVICE_PATH *dev_path;
	EFI_BLOCK_IO block_io;
	EFI_BLOCK_IO2_PROTOCOL block_io2;
	EFI_SCSI_IO_PROTOCOL scsi_io;	/**< held BY_DRIVER by our driver */
	EFI_BLOCK_IO_MEDIA media;	/**< shared by both */
	EFI_DISK_INFO_PROTOCOL disk_info;
	UINT8 target;
	UINT16 lun;
	/** The unit or its medium changed: tell the consumer at its next
	 * call (vs_efi_disk_sync) */
	BOOLEAN changed;
	BOOLEAN connect;	/**< hot-plugged: connect drivers to it */
	UINT8 inquiry[SCSI_INQUIRY_STD_LEN];
};

extern EFI_DRIVER_BINDING_PROTOCOL vs_efi_driver_binding;
extern EFI_COMPONENT_NAME_PROTOCOL vs_efi_component_name;
extern EFI_COMPONENT_NAME2_PROTOCOL vs_efi_component_name2;
extern EFI_DRIVER_DIAGNOSTICS2_PROTOCOL vs_efi_diagnostics2;
extern EFI_DRIVER_SUPPORTED_EFI_VERSION_PROTOCOL vs_efi_supported_version;
struct vs_efi_ctrl *vs_efi_managed_ctrl(EFI_HANDLE controller);
BOOLEAN vs_efi_language_ok(const CHAR8 *list, const CHAR8 *lang);

/* platform_pciio.c */
void vs_efi_platform_init(struct vs_efi_platform *p, EFI_PCI_IO *pci_io);
void vs_efi_clock_init(void);
void vs_efi_debug_line(const char *line);
/** Bytes of the driver's log kept for GetLog (uefi/vscsi_stats.h). */
#define VS_EFI_LOG_RING 16384
UINTN vs_efi_log_copy(char *buf, UINTN size);
void vs_efi_log_init(void);
void vs_efi_log_fini(void);

/* status.c */
/** One row of a core-to-EFI status table. */
struct vs_efi_status_map {
	int rc;			/**< VS_* */
	EFI_STATUS st;
};
EFI_STATUS vs_efi_map_status(const struct vs_efi_status_map *map, UINTN n,
			     int rc, EFI_STATUS other);
#define VS_EFI_MAP(map, rc, other) \
	vs_efi_map_status((map), sizeof(map) / sizeof((map)[0]), (rc), (other))
EFI_STATUS vs_efi_status(int rc);

/* stats.c */
void vs_efi_stats_init(struct vs_efi_ctrl *ctrl);

/* pass_thru.c */
void vs_efi_pass_thru_init(struct vs_efi_ctrl *ctrl);

/* device_path.c */
SCSI_DEVICE_PATH *vs_efi_scsi_node(UINT8 target, UINT16 lun);
EFI_STATUS vs_efi_scsi_path(EFI_DEVICE_PATH *ctrl_path, UINT8 target,
			    UINT16 lun, EFI_DEVICE_PATH **path);

/* disk_info.c */
void vs_efi_disk_info_init(struct vs_efi_disk *d);

/* block_io.c */
struct vs_efi_disk *vs_efi_disk_create(struct vs_efi_ctrl *ctrl,
				       struct scsi_unit *u, EFI_STATUS *st);
void vs_efi_disk_changed(struct vs_efi_disk *d);
EFI_STATUS vs_efi_disk_sync(struct vs_efi_disk *d);
void vs_efi_disk_gone(struct vs_efi_disk *d);
void vs_efi_disk_attach(struct vs_efi_disk *d, struct scsi_unit *u);
EFI_STATUS vs_efi_disk_destroy(struct vs_efi_disk *d);
EFI_STATUS vs_efi_disk_hold(struct vs_efi_disk *d);
void vs_efi_disk_release(struct vs_efi_disk *d);
EFI_STATUS vs_efi_disk_reset(struct vs_efi_disk *d);
EFI_STATUS vs_efi_disk_rw(struct vs_efi_disk *d, BOOLEAN write,
			  UINT32 media_id, EFI_LBA lba,
			  EFI_BLOCK_IO2_TOKEN *token, UINTN size, VOID *buf);
EFI_STATUS vs_efi_disk_flush(struct vs_efi_disk *d, EFI_BLOCK_IO2_TOKEN *token);

/* scsi_io.c */
void vs_efi_scsi_io_init(struct vs_efi_disk *d);

/* block_io2.c */
extern const EFI_BLOCK_IO2_PROTOCOL vs_efi_block_io2;
struct vs_efi_disk *vs_efi_disk_from_handle(EFI_HANDLE child,
					    EFI_HANDLE driver_handle);

extern struct vs_platform vs_efi_logger;
#define VS_EFI_LOG(...) vs_log(&vs_efi_logger, VS_LOG_INFO, __VA_ARGS__)
#define VS_EFI_ERR(...) vs_log(&vs_efi_logger, VS_LOG_ERR, __VA_ARGS__)
/* Lines about one controller (or a disk behind it) carry its PCI address */
#define VS_CTRL_LOG(ctrl, ...) vs_log(&(ctrl)->plat.base, VS_LOG_INFO, __VA_ARGS__)
#define VS_CTRL_ERR(ctrl, ...) vs_log(&(ctrl)->plat.base, VS_LOG_ERR, __VA_ARGS__)

/**
 * Ask for deferred work: the one way into the controller's timer work
 * (driver.c's vs_tick), which runs as soon as the caller's TPL drops
 * below TPL_CALLBACK.  Inline, so a protocol file asks without calling
 * back into driver.c.
 * @v ctrl	controller
 * @v work	VS_WORK_* bits
 */
static inline void vs_efi_defer(struct vs_efi_ctrl *ctrl, UINT32 work)
{
	ctrl->pending |= work;
	vs_bs->SignalEvent(ctrl->timer);
}

#endif /* VSCSI_EFI_H */
