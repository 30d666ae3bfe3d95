/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * EFI_DISK_INFO_PROTOCOL on each Block I/O child (SCSI interface): the
 * unit's standard INQUIRY data, so tools that identify disks work.
 */
#include "vscsi_efi.h"


static struct vs_efi_disk *vs_di_disk(EFI_DISK_INFO_PROTOCOL *This)
{
	return vs_container_of(This, struct vs_efi_disk, disk_info);
}

/** Inquiry(): the INQUIRY data read at discovery. */
static EFI_STATUS EFIAPI vs_di_inquiry(EFI_DISK_INFO_PROTOCOL *This,
				       VOID *InquiryData, UINT32 *InquiryDataSize)
{
	struct vs_efi_disk *d = vs_di_disk(This);
	UINT32 size = sizeof(d->inquiry);

	if (!InquiryDataSize)
		return EFI_INVALID_PARAMETER;
	if (*InquiryDataSize < size) {
		*InquiryDataSize = size;
		return EFI_BUFFER_TOO_SMALL;
	}
	if (!InquiryData)
		return EFI_INVALID_PARAMETER;
	vs_memcpy(InquiryData, d->inquiry, size);
	*InquiryDataSize = size;
	return EFI_SUCCESS;
}

/** Identify(): ATA IDENTIFY data, which a SCSI unit does not have. */
static EFI_STATUS EFIAPI vs_di_identify(EFI_DISK_INFO_PROTOCOL *This,
					VOID *IdentifyData, UINT32 *IdentifyDataSize)
{
	(void)This;
	(void)IdentifyData;
	(void)IdentifyDataSize;
	return EFI_NOT_FOUND;
}

/** SenseData(): no sense data is kept for later retrieval. */
static EFI_STATUS EFIAPI vs_di_sense_data(EFI_DISK_INFO_PROTOCOL *This,
					  VOID *SenseData, UINT32 *SenseDataSize,
					  UINT8 *SenseDataNumber)
{
	(void)This;
	(void)SenseData;
	(void)SenseDataSize;
	(void)SenseDataNumber;
	return EFI_NOT_FOUND;
}

/** WhichIde(): not an IDE device. */
static EFI_STATUS EFIAPI vs_di_which_ide(EFI_DISK_INFO_PROTOCOL *This,
					 UINT32 *IdeChannel, UINT32 *IdeDevice)
{
	(void)This;
	(void)IdeChannel;
	(void)IdeDevice;
	return EFI_UNSUPPORTED;
}

/**
 * Fill a child's Disk Info protocol.
 * @v d		disk
 */
void vs_efi_disk_info_init(struct vs_efi_disk *d)
{
	d->disk_info = (EFI_DISK_INFO_PROTOCOL){
		.Interface = EFI_DISK_INFO_SCSI_INTERFACE_GUID,
		.Inquiry = vs_di_inquiry,
		.Identify = vs_di_identify,
		.SenseData = vs_di_sense_data,
		.WhichIde = vs_di_which_ide,
	};
}
