/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The few library services the driver needs, on boot services directly,
 * so the driver links no part of gnu-efi's libefi (Print and friends would
 * double its size): pool memory, device path append, and memset/memcpy
 * for the compiler.
 */
#include "vscsi_efi.h"

EFI_BOOT_SERVICES *vs_bs;

/**
 * Allocate zeroed boot-services pool memory.
 * @v size	bytes
 * @ret p	memory, or NULL
 */
VOID *vs_efi_alloc(UINTN size)
{
	VOID *p;

	if (EFI_ERROR(vs_bs->AllocatePool(EfiBootServicesData, size, &p)))
		return NULL;
	return __builtin_memset(p, 0, size);
}

/** Free memory from vs_efi_alloc. */
void vs_efi_free(VOID *p)
{
	(vs_bs->FreePool)(p);	/* not the FreePool macro */
}

/**
 * Size of a device path without its end node.
 * @v p		path
 * @ret len	bytes
 */
static UINTN vs_efi_path_len(EFI_DEVICE_PATH *p)
{
	UINT8 *start = (UINT8 *)p;

	while (!IsDevicePathEnd(p))
		p = NextDevicePathNode(p);
	return (UINT8 *)p - start;
}

/**
 * A new device path: @p path followed by @p node and an end node.
 * @v path	device path
 * @v node	one node
 * @ret new	pool memory, or NULL
 */
EFI_DEVICE_PATH *vs_efi_append_node(EFI_DEVICE_PATH *path, EFI_DEVICE_PATH *node)
{
	UINTN len = vs_efi_path_len(path), nlen = DevicePathNodeLength(node);
	UINT8 *p = vs_efi_alloc(len + nlen + END_DEVICE_PATH_LENGTH);
	EFI_DEVICE_PATH *end;

	if (!p)
		return NULL;
	__builtin_memcpy(p, path, len);
	__builtin_memcpy(p + len, node, nlen);
	end = (EFI_DEVICE_PATH *)(p + len + nlen);
	SetDevicePathEndNode(end);
	return (EFI_DEVICE_PATH *)p;
}
