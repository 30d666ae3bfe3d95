/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Shared declarations of the integration test app.
 *
 * Results go to the console and, one line each ("ok N - name" / "not ok
 * N - name: why"), to I/O port 0x403, a QEMU isa-debugcon of their own;
 * lines "# monitor: CMD" ask the runner to type CMD into the QEMU
 * monitor; the exit status goes to isa-debug-exit (port 0xf4).
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <efi.h>
#include <efilib.h>
#include "arch.h"
#include "uefi/disk_info.h"
#include "uefi/ext_scsi_pass_thru.h"
#include "uefi/scsi_io.h"
#include "uefi/vscsi_stats.h"
#include "spec/scsi.h"
#include "spec/virtio.h"
#include "vscsi/platform.h"
#include "../common/pattern.h"

#define RESULT_PORT 0x403	/* x86: isa-debugcon of the results */
#define EXIT_PORT 0xf4		/* x86: isa-debug-exit */
#define PL011_BASE 0x09000000	/* AArch64: QEMU virt's UART (VIRT_UART) */
#define PL011_DR 0x00		/* data register */
#define PL011_FR 0x18		/* flag register */
#define PL011_FR_TXFF 0x20	/* transmit FIFO full */

#define PATTERN_SEED 1
#define WRITE_SEED 2

extern EFI_GUID pci_io_guid, pass_thru_guid, block_io_guid, block_io2_guid;
extern EFI_GUID scsi_io_guid;
extern EFI_GUID loaded_image_guid, fs_guid, cn2_guid, binding_guid;
extern EFI_GUID disk_info_guid, stats_guid, global_var_guid;
extern EFI_HANDLE self, boot_device;
extern unsigned passed, failed;
/** Set after ExitBootServices: results go only to the port. */
extern BOOLEAN boot_services_gone;

void port_puts(const char *s);
void dump_driver_log(void);
void diag_tests(EFI_HANDLE ctrl, EFI_HANDLE drv, EFI_HANDLE other);
EFI_HANDLE secboot_tests(EFI_HANDLE *ctrls, UINT16 *ids, UINTN n);
BOOLEAN check(BOOLEAN ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
EFI_TPL walk_begin(void);
void walk_end(EFI_TPL tpl);
EFI_HANDLE driver_holding(EFI_HANDLE h, EFI_GUID *guid, UINTN *n);
EFI_HANDLE pci_owner(EFI_HANDLE h);
UINTN find_controllers(EFI_HANDLE *out, UINTN max, UINT16 *ids);
SCSI_DEVICE_PATH *scsi_node_under(EFI_DEVICE_PATH *ctrl, EFI_DEVICE_PATH *p,
				  BOOLEAN exact);
EFI_HANDLE find_unit(EFI_DEVICE_PATH *ctrl, UINT16 pun, UINT16 lun,
		     UINTN *count);
EFI_BLOCK_IO *find_block_io(EFI_DEVICE_PATH *ctrl, UINT16 pun, UINT16 lun,
			    UINTN *count);
UINTN count_children(EFI_DEVICE_PATH *ctrl);
EFI_HANDLE first_child(EFI_DEVICE_PATH *ctrl_path);
VOID *alloc_buf(UINTN bytes);
void free_buf(VOID *p, UINTN bytes);
INT64 verify_sectors(UINT64 seed, UINT64 lba, const UINT8 *buf, UINTN sectors);
void note_image(const char *name, EFI_HANDLE image);
EFI_HANDLE load_driver(void);
EFI_STATUS connect(EFI_HANDLE ctrl, EFI_HANDLE drv);
UINT8 *read_file(EFI_FILE_HANDLE root, CHAR16 *name, UINTN *size);
EFI_FILE_HANDLE open_root_under(EFI_DEVICE_PATH *ctrl, UINT16 pun, UINT16 lun);
UINT8 *read_file_under(EFI_DEVICE_PATH *ctrl, UINT16 pun, UINT16 lun,
		       CHAR16 *name, UINTN *size);
UINT8 *read_boot_file(CHAR16 *name, UINTN *size);
BOOLEAN hello_under(EFI_DEVICE_PATH *ctrl, UINT16 pun, UINT16 lun);
void monitor(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
UINT64 requests_of(EFI_HANDLE ctrl);

/** A Block I/O 2 token whose event counts its signals and their order. */
struct bio2_token {
	EFI_BLOCK_IO2_TOKEN t;
	UINTN signals;		/**< times the event was signalled */
	UINTN seq;		/**< when, among all such tokens (1, 2, ...) */
};
BOOLEAN bio2_token_open(struct bio2_token *k);
void bio2_token_reset(struct bio2_token *k);
void bio2_token_wait(struct bio2_token *k, UINTN want);
void bio2_token_close(struct bio2_token *k);

/* basic.c */
void basic_tests(EFI_HANDLE ctrl, UINT16 dev_id, EFI_HANDLE *drv);
void basic_tests_built_in(EFI_HANDLE ctrl, EFI_HANDLE drv);
/* conform.c */
void conform_target(const char *name);
void conform_pass_thru(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt, UINTN units);
void conform_block_io(EFI_BLOCK_IO *bio, BOOLEAN write);
void conform_read_only(EFI_BLOCK_IO *bio);
void conform_block_io2(EFI_BLOCK_IO2_PROTOCOL *bio2, BOOLEAN write);
void conform_scsi_io(EFI_SCSI_IO_PROTOCOL *sio, UINT8 pdt, UINT8 target,
		     UINT64 lun);
void conform_tests(EFI_HANDLE *ctrls, UINTN n, EFI_HANDLE drv);
/* bench.c */
void bench_tests(EFI_HANDLE *ctrls, UINTN n, EFI_HANDLE *drv);
void bench_timer_tests(EFI_HANDLE *ctrls, UINTN n, EFI_HANDLE *drv);
void bench_window_tests(EFI_HANDLE *ctrls, UINTN n, EFI_HANDLE *drv,
			BOOLEAN ours);
/* faults.c */
void fault_tests(EFI_HANDLE ctrl, EFI_HANDLE *drv);
/* handoff.c */
/** Where the firmware found the driver of the disk the app booted from. */
enum driver_source {
	FROM_ROM,	/**< the controller's option ROM */
	FROM_FV,	/**< the firmware image (make firmware) */
	FROM_FILE,	/**< a Driver#### load option: a file on the ESP */
};
/** The driver-option and refind VMs' boot unit. */
#define DRIVER_OPTION_PUN 40
#define DRIVER_OPTION_LUN 9
void rom_tests(enum driver_source from,
	       void (*more)(EFI_HANDLE ctrl, EFI_HANDLE drv));
void narrow_tests(void);

/* unplug.c */
void unplug_tests(EFI_HANDLE ctrl, EFI_HANDLE *drv);
/* media.c */
void media_tests(EFI_HANDLE ctrl, EFI_HANDLE *drv);

#endif /* TESTLIB_H */
