/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * A private protocol of this driver on each controller it manages: request
 * and notification counters, for benchmarks and diagnostics.
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

struct _VSCSI_STATS_PROTOCOL {
	UINT32 Revision;
	VSCSI_STATS_GET GetStats;
};

#endif /* UEFI_VSCSI_STATS_H */
