/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The protocol GUIDs the glue uses, each defined once (UEFI 2.10 and our
 * own VSCSI_STATS_PROTOCOL).
 */
#include "vscsi_efi.h"
#include "uefi/driver_diagnostics.h"

EFI_GUID vs_efi_block_io_guid = BLOCK_IO_PROTOCOL;
EFI_GUID vs_efi_component_name2_guid = EFI_COMPONENT_NAME2_PROTOCOL_GUID;
EFI_GUID vs_efi_component_name_guid = EFI_COMPONENT_NAME_PROTOCOL_GUID;
EFI_GUID vs_efi_device_path_guid = DEVICE_PATH_PROTOCOL;
EFI_GUID vs_efi_diagnostics2_guid = EFI_DRIVER_DIAGNOSTICS2_PROTOCOL_GUID;
EFI_GUID vs_efi_driver_binding_guid = DRIVER_BINDING_PROTOCOL;
EFI_GUID vs_efi_block_io2_guid = EFI_BLOCK_IO2_PROTOCOL_GUID;
EFI_GUID vs_efi_disk_info_guid = EFI_DISK_INFO_PROTOCOL_GUID;
EFI_GUID vs_efi_pass_thru_guid = EFI_EXT_SCSI_PASS_THRU_PROTOCOL_GUID;
EFI_GUID vs_efi_scsi_io_guid = EFI_SCSI_IO_PROTOCOL_GUID;
EFI_GUID vs_efi_stats_guid = VSCSI_STATS_PROTOCOL_GUID;
EFI_GUID vs_efi_loaded_image_guid = LOADED_IMAGE_PROTOCOL;
EFI_GUID vs_efi_pci_io_guid = EFI_PCI_IO_PROTOCOL_GUID;
EFI_GUID vs_efi_supported_version_guid = EFI_DRIVER_SUPPORTED_EFI_VERSION_PROTOCOL_GUID;
