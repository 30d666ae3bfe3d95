/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * A private protocol of this driver on each controller it manages: request
 * and notification counters, for benchmarks and diagnostics, and the
 * driver's log (on every architecture; QEMU's debug console, where the
 * log also goes, is x86 only).
 */
#ifndef UEFI_VSCSI_STATS_H
#define UEFI_VSCSI_STATS_H

#include <efi.h>

#define VSCSI_STATS_PROTOCOL_GUID \
	{ 0x5c9b4f2e, 0x8a31, 0x4d7e, \
	  { 0x9f, 0x06, 0x2b, 0x71, 0xc4, 0x3e, 0x58, 0xa1 } }

typedef struct {
	UINT64 Requests;	/* SCSI commands sent on the request queue */
	UINT64 Notifications;	/* request queue notifications (kicks) */
	UINT64 Resets;		/* device resets after timeouts or errors */
} VSCSI_STATS;

struct _VSCSI_STATS_PROTOCOL;
typedef struct _VSCSI_STATS_PROTOCOL VSCSI_STATS_PROTOCOL;

typedef EFI_STATUS (EFIAPI *VSCSI_STATS_GET)(IN VSCSI_STATS_PROTOCOL *This,
					     OUT VSCSI_STATS *Stats);

/**
 * Copy the driver's log: lines of text, each ending in '\n', oldest first,
 * the whole followed by a NUL.  The driver keeps its most recent 16 KiB.
 * @v This	protocol
 * @v Size	in: the buffer's size; out: the bytes the whole log needs
 *		(with its NUL)
 * @v Buffer	where (may be NULL when *Size is 0)
 * @ret st	EFI_SUCCESS, EFI_BUFFER_TOO_SMALL (the start of the log was
 *		copied), or EFI_INVALID_PARAMETER (Size NULL, or Buffer NULL
 *		with *Size not 0)
 */
typedef EFI_STATUS (EFIAPI *VSCSI_STATS_GET_LOG)(IN VSCSI_STATS_PROTOCOL *This,
						 IN OUT UINTN *Size,
						 OUT CHAR8 *Buffer);

#define VSCSI_STATS_REVISION 2

struct _VSCSI_STATS_PROTOCOL {
	UINT32 Revision;		/* VSCSI_STATS_REVISION */
	VSCSI_STATS_GET GetStats;
	VSCSI_STATS_GET_LOG GetLog;	/* from revision 2 */
};

#endif /* UEFI_VSCSI_STATS_H */
