/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Protocols of a driver on a PCI plug-in card that gnu-efi lacks:
 * EFI_DRIVER_DIAGNOSTICS2_PROTOCOL (UEFI 2.10 §11.4) and
 * EFI_DRIVER_SUPPORTED_EFI_VERSION_PROTOCOL (§11.6).
 */
#ifndef UEFI_DRIVER_DIAGNOSTICS_H
#define UEFI_DRIVER_DIAGNOSTICS_H

#include <efi.h>

#define EFI_DRIVER_DIAGNOSTICS2_PROTOCOL_GUID \
	{ 0x4d330321, 0x025f, 0x4aac, \
	  { 0x90, 0xd8, 0x5e, 0xd9, 0x00, 0x17, 0x3b, 0x63 } }

typedef enum {
	EfiDriverDiagnosticTypeStandard = 0,
	EfiDriverDiagnosticTypeExtended = 1,
	EfiDriverDiagnosticTypeManufacturing = 2,
	EfiDriverDiagnosticTypeCancel = 3,
	EfiDriverDiagnosticTypeMaximum
} EFI_DRIVER_DIAGNOSTIC_TYPE;

struct _EFI_DRIVER_DIAGNOSTICS2_PROTOCOL;

typedef EFI_STATUS (EFIAPI *EFI_DRIVER_DIAGNOSTICS2_RUN_DIAGNOSTICS)(
	IN struct _EFI_DRIVER_DIAGNOSTICS2_PROTOCOL *This,
	IN EFI_HANDLE ControllerHandle,
	IN EFI_HANDLE ChildHandle OPTIONAL,
	IN EFI_DRIVER_DIAGNOSTIC_TYPE DiagnosticType,
	IN CHAR8 *Language,
	OUT EFI_GUID **ErrorType,
	OUT UINTN *BufferSize,
	OUT CHAR16 **Buffer);

typedef struct _EFI_DRIVER_DIAGNOSTICS2_PROTOCOL {
	EFI_DRIVER_DIAGNOSTICS2_RUN_DIAGNOSTICS RunDiagnostics;
	CHAR8 *SupportedLanguages;	/* RFC 4646, ';'-separated */
} EFI_DRIVER_DIAGNOSTICS2_PROTOCOL;

#define EFI_DRIVER_SUPPORTED_EFI_VERSION_PROTOCOL_GUID \
	{ 0x5c198761, 0x16a8, 0x4e69, \
	  { 0x97, 0x2c, 0x89, 0xd6, 0x79, 0x54, 0xf8, 0x1d } }

typedef struct {
	UINT32 Length;		/* of this structure */
	UINT32 FirmwareVersion;	/* EFI_SYSTEM_TABLE revision the driver targets */
} EFI_DRIVER_SUPPORTED_EFI_VERSION_PROTOCOL;

/* UEFI 2.10's system table revision (§4.3) */
#define EFI_2_10_SYSTEM_TABLE_REVISION ((2 << 16) | 100)

#endif /* UEFI_DRIVER_DIAGNOSTICS_H */
