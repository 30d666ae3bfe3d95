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
#include "uefi/vscsi_stats.h"
#include "vscsi/scsi_disk.h"

/** Driver-binding version: above OVMF's virtio drivers (0x10). */
#define VS_EFI_DRIVER_VERSION 0x11
/** Buffer alignment callers must honour (Block I/O and pass-thru IoAlign). */
#define VS_EFI_IO_ALIGN 4
/** Most logical units one controller publishes. */
#define VS_EFI_MAX_LUNS 256

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
#define BS vs_bs
#define AllocateZeroPool(n) vs_efi_alloc(n)
#define FreePool(p) vs_efi_free(p)
#define AppendDevicePathNode(p, n) vs_efi_append_node((p), (n))
#define ZeroMem(p, n) __builtin_memset((p), 0, (n))
#define CopyMem(d, s, n) __builtin_memmove((d), (s), (n))

#define container_of(ptr, type, member) \
	((type *)((UINT8 *)(ptr) - __builtin_offsetof(type, member)))

/** The platform of one PCI function, backed by EFI_PCI_IO_PROTOCOL. */
struct vs_efi_platform {
	struct vs_platform base;
	EFI_PCI_IO *pci_io;
};

struct vs_efi_disk;

/** One controller we manage. */
struct vs_efi_ctrl {
	UINT32 signature;
	EFI_HANDLE handle;
	EFI_PCI_IO *pci_io;
	EFI_DEVICE_PATH *dev_path;
	UINT64 orig_attributes;
	struct vs_efi_platform plat;
	struct vscsi_ctrl core;
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL pass_thru;
	EFI_EXT_SCSI_PASS_THRU_MODE mode;
	VSCSI_STATS_PROTOCOL stats;
	EFI_EVENT exit_boot_event;
	EFI_EVENT hotplug_timer;
	BOOLEAN exited;		/**< ExitBootServices ran: hands off */
	BOOLEAN rescan;		/**< a unit reported the LUN inventory changed */
	/** Units a rescan found (target << 16 | LUN), scratch of hotplug.c */
	UINT32 seen[VS_EFI_MAX_LUNS];
	UINTN nseen;
	/** Logical units found by the scan, in (target, LUN) order. */
	struct scsi_lun_info luns[VS_EFI_MAX_LUNS];
	UINTN nluns;
	/** Block I/O children, indexed like luns (NULL: none). */
	struct vs_efi_disk *disks[VS_EFI_MAX_LUNS];
};

/** One Block I/O child. */
struct vs_efi_disk {
	UINT32 signature;
	EFI_HANDLE handle;
	struct vs_efi_ctrl *ctrl;
	EFI_DEVICE_PATH *dev_path;
	EFI_BLOCK_IO block_io;
	EFI_BLOCK_IO_MEDIA media;
	EFI_DISK_INFO_PROTOCOL disk_info;
	BOOLEAN reinstall;	/**< medium changed: reinstall Block I/O */
	UINT8 inquiry[SCSI_INQUIRY_STD_LEN];
	struct scsi_disk disk;
};

extern EFI_DRIVER_BINDING_PROTOCOL vs_efi_driver_binding;
extern EFI_COMPONENT_NAME_PROTOCOL vs_efi_component_name;
extern EFI_COMPONENT_NAME2_PROTOCOL vs_efi_component_name2;
extern EFI_GUID vs_efi_pass_thru_guid;

/* platform_pciio.c */
void vs_efi_platform_init(struct vs_efi_platform *p, EFI_PCI_IO *pci_io);
void vs_efi_debug_line(const char *line);
EFI_STATUS vs_efi_status(int rc);

/* stats.c */
extern EFI_GUID vs_efi_stats_guid;
void vs_efi_stats_init(struct vs_efi_ctrl *ctrl);

/* pass_thru.c */
void vs_efi_pass_thru_init(struct vs_efi_ctrl *ctrl);
EFI_STATUS vs_efi_scsi_path(struct vs_efi_ctrl *ctrl, UINT8 target,
			    UINT16 lun, EFI_DEVICE_PATH **path);

/* disk_info.c */
extern EFI_GUID vs_efi_disk_info_guid;
void vs_efi_disk_info_init(struct vs_efi_disk *d);

/* hotplug.c */
EFI_STATUS vs_efi_hotplug_start(struct vs_efi_ctrl *ctrl);
void vs_efi_hotplug_stop(struct vs_efi_ctrl *ctrl);
void vs_efi_hotplug_kick(struct vs_efi_ctrl *ctrl);

/* block_io.c */
EFI_STATUS vs_efi_disk_create(struct vs_efi_ctrl *ctrl, UINTN index,
			      EFI_HANDLE driver_handle);
void vs_efi_disk_media_changed(struct vs_efi_disk *d);
void vs_efi_disk_reinstall(struct vs_efi_disk *d);
EFI_STATUS vs_efi_disk_destroy(struct vs_efi_disk *d, EFI_HANDLE driver_handle);
struct vs_efi_disk *vs_efi_disk_from_handle(EFI_HANDLE child,
					    EFI_HANDLE driver_handle);

extern struct vs_platform vs_efi_logger;
#define VS_EFI_LOG(...) vs_log(&vs_efi_logger, VS_LOG_INFO, __VA_ARGS__)
#define VS_EFI_ERR(...) vs_log(&vs_efi_logger, VS_LOG_ERR, __VA_ARGS__)

#endif /* VSCSI_EFI_H */
