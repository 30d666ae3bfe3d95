/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Core statuses to EFI statuses: one table per use, looked up here.
 * Each protocol may return only the statuses its section of UEFI 2.10
 * names, so each has its own table (block_io.c, pass_thru.c); this one
 * is for everything else (Start, Disk Info).
 */
#include "vscsi_efi.h"

/**
 * Look a core status up in a table.
 * @v map	table
 * @v n		its entries
 * @v rc	VS_* status
 * @v other	what a status not in the table gets
 * @ret st	EFI status
 */
EFI_STATUS vs_efi_map_status(const struct vs_efi_status_map *map, UINTN n,
			     int rc, EFI_STATUS other)
{
	UINTN i;

	for (i = 0; i < n; i++)
		if (map[i].rc == rc)
			return map[i].st;
	return other;
}

/** The general table; the rest is EFI_DEVICE_ERROR. */
static const struct vs_efi_status_map vs_efi_general[] = {
	{ VS_OK, EFI_SUCCESS },
	{ VS_E_INVAL, EFI_INVALID_PARAMETER },
	{ VS_E_NODEV, EFI_UNSUPPORTED },
	{ VS_E_NOMEM, EFI_OUT_OF_RESOURCES },
	{ VS_E_TIMEOUT, EFI_TIMEOUT },
	{ VS_E_UNSUPPORTED, EFI_UNSUPPORTED },
	{ VS_E_BADSIZE, EFI_BAD_BUFFER_SIZE },
	{ VS_E_NOMEDIA, EFI_NO_MEDIA },
	{ VS_E_PROTECTED, EFI_WRITE_PROTECTED },
};

/**
 * Map a core status with the general table.
 * @v rc	VS_* status
 * @ret st	EFI status
 */
EFI_STATUS vs_efi_status(int rc)
{
	return VS_EFI_MAP(vs_efi_general, rc, EFI_DEVICE_ERROR);
}
