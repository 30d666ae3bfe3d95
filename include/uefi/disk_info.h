/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * EFI_DISK_INFO_PROTOCOL (UEFI PI 1.8 vol. 5 §12.4 "Disk Info Protocol"),
 * which gnu-efi lacks.  Written from the specification.
 */
#ifndef UEFI_DISK_INFO_H
#define UEFI_DISK_INFO_H

#include <efi.h>

#define EFI_DISK_INFO_PROTOCOL_GUID \
	{ 0xd432a67f, 0x14dc, 0x484b, \
	  { 0xb3, 0xbb, 0x3f, 0x02, 0x91, 0x84, 0x93, 0x27 } }

/* Interface: the format of what Inquiry() returns (SCSI: INQUIRY data) */
#define EFI_DISK_INFO_SCSI_INTERFACE_GUID \
	{ 0x08f74baa, 0xea36, 0x41d9, \
	  { 0x95, 0x21, 0x21, 0xa7, 0x0f, 0x87, 0x80, 0xbc } }

struct _EFI_DISK_INFO_PROTOCOL;
typedef struct _EFI_DISK_INFO_PROTOCOL EFI_DISK_INFO_PROTOCOL;

typedef EFI_STATUS (EFIAPI *EFI_DISK_INFO_INQUIRY)(
	IN EFI_DISK_INFO_PROTOCOL *This, IN OUT VOID *InquiryData,
	IN OUT UINT32 *InquiryDataSize);

typedef EFI_STATUS (EFIAPI *EFI_DISK_INFO_IDENTIFY)(
	IN EFI_DISK_INFO_PROTOCOL *This, IN OUT VOID *IdentifyData,
	IN OUT UINT32 *IdentifyDataSize);

typedef EFI_STATUS (EFIAPI *EFI_DISK_INFO_SENSE_DATA)(
	IN EFI_DISK_INFO_PROTOCOL *This, IN OUT VOID *SenseData,
	IN OUT UINT32 *SenseDataSize, OUT UINT8 *SenseDataNumber);

typedef EFI_STATUS (EFIAPI *EFI_DISK_INFO_WHICH_IDE)(
	IN EFI_DISK_INFO_PROTOCOL *This, OUT UINT32 *IdeChannel,
	OUT UINT32 *IdeDevice);

struct _EFI_DISK_INFO_PROTOCOL {
	EFI_GUID Interface;
	EFI_DISK_INFO_INQUIRY Inquiry;
	EFI_DISK_INFO_IDENTIFY Identify;
	EFI_DISK_INFO_SENSE_DATA SenseData;
	EFI_DISK_INFO_WHICH_IDE WhichIde;
};

#endif /* UEFI_DISK_INFO_H */
