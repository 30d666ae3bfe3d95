/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The SCSI device path node, Scsi(Pun,Lun) (UEFI 2.10 §10.3.4.2), alone
 * (BuildDevicePath) and appended to the controller's path (the children).
 */
#include "vscsi_efi.h"

/**
 * Allocate a SCSI device path node.
 * @v target	Pun
 * @v lun	Lun
 * @ret node	pool memory, or NULL
 */
SCSI_DEVICE_PATH *vs_efi_scsi_node(UINT8 target, UINT16 lun)
{
	SCSI_DEVICE_PATH *node = vs_efi_alloc(sizeof(*node));

	if (!node)
		return NULL;
	node->Header.Type = MESSAGING_DEVICE_PATH;
	node->Header.SubType = MSG_SCSI_DP;
	SetDevicePathNodeLength(&node->Header, sizeof(*node));
	node->Pun = target;
	node->Lun = lun;
	return node;
}

/**
 * Build a child's full device path: controller path + Scsi(Pun,Lun).
 * @v ctrl_path	the controller's device path
 * @v target	target
 * @v lun	LUN
 * @ret path	pool memory
 * @ret st	EFI_SUCCESS or EFI_OUT_OF_RESOURCES
 */
EFI_STATUS vs_efi_scsi_path(EFI_DEVICE_PATH *ctrl_path, UINT8 target,
			    UINT16 lun, EFI_DEVICE_PATH **path)
{
	SCSI_DEVICE_PATH *node = vs_efi_scsi_node(target, lun);

	if (!node)
		return EFI_OUT_OF_RESOURCES;
	*path = vs_efi_append_node(ctrl_path, &node->Header);
	vs_efi_free(node);
	return *path ? EFI_SUCCESS : EFI_OUT_OF_RESOURCES;
}
