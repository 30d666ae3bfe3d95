/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Driver entry, driver binding (UEFI 2.10 §11.1), image unload and the
 * ExitBootServices reset.
 */
#include "vscsi_efi.h"

static EFI_GUID vs_pci_io_guid = EFI_PCI_IO_PROTOCOL_GUID;
static EFI_GUID vs_device_path_guid = DEVICE_PATH_PROTOCOL;
static EFI_GUID vs_driver_binding_guid = DRIVER_BINDING_PROTOCOL;
static EFI_GUID vs_component_name_guid = EFI_COMPONENT_NAME_PROTOCOL_GUID;
static EFI_GUID vs_component_name2_guid = EFI_COMPONENT_NAME2_PROTOCOL_GUID;
static EFI_GUID vs_loaded_image_guid = LOADED_IMAGE_PROTOCOL;

/**
 * Tell whether a PCI function is a virtio-scsi controller (virtio 1.2
 * §4.1.2: vendor 0x1AF4, device 0x1048, or 0x1004 transitional).
 * @v pci_io	the function
 * @ret yes	TRUE for virtio-scsi
 */
static BOOLEAN vs_is_virtio_scsi(EFI_PCI_IO *pci_io)
{
	UINT16 id[2];

	if (EFI_ERROR(pci_io->Pci.Read(pci_io, EfiPciIoWidthUint16, 0, 2, id)))
		return FALSE;
	return id[0] == VIRTIO_PCI_VENDOR_ID &&
	       (id[1] == VIRTIO_PCI_DEVICE_ID_SCSI_MODERN ||
		id[1] == VIRTIO_PCI_DEVICE_ID_SCSI_TRANSITIONAL);
}

/** §11.1 Supported(): any virtio-scsi PCI function not yet driven. */
static EFI_STATUS EFIAPI vs_supported(EFI_DRIVER_BINDING_PROTOCOL *This,
				      EFI_HANDLE Controller,
				      EFI_DEVICE_PATH *RemainingDevicePath)
{
	EFI_PCI_IO *pci_io;
	EFI_STATUS st;

	(void)RemainingDevicePath;
	st = BS->OpenProtocol(Controller, &vs_pci_io_guid, (VOID **)&pci_io,
			      This->DriverBindingHandle, Controller,
			      EFI_OPEN_PROTOCOL_BY_DRIVER);
	if (EFI_ERROR(st))
		return st;
	st = vs_is_virtio_scsi(pci_io) ? EFI_SUCCESS : EFI_UNSUPPORTED;
	BS->CloseProtocol(Controller, &vs_pci_io_guid, This->DriverBindingHandle,
			  Controller);
	return st;
}

/**
 * Enable decoding and bus mastering, keeping the old attributes (§14.4).
 * @v ctrl	controller
 * @ret st	EFI status
 */
static EFI_STATUS vs_enable_pci(struct vs_efi_ctrl *ctrl)
{
	EFI_PCI_IO *io = ctrl->pci_io;
	UINT64 supported = 0, want;
	EFI_STATUS st;

	st = io->Attributes(io, EfiPciIoAttributeOperationGet, 0,
			    &ctrl->orig_attributes);
	if (!EFI_ERROR(st))
		st = io->Attributes(io, EfiPciIoAttributeOperationSupported, 0,
				    &supported);
	if (EFI_ERROR(st))
		return st;
	/* Virtio rings and buffers may sit anywhere in 64-bit space */
	want = EFI_PCI_IO_ATTRIBUTE_BUS_MASTER |
	       (supported & (EFI_PCI_IO_ATTRIBUTE_IO | EFI_PCI_IO_ATTRIBUTE_MEMORY |
			     EFI_PCI_IO_ATTRIBUTE_DUAL_ADDRESS_CYCLE));
	return io->Attributes(io, EfiPciIoAttributeOperationEnable, want, NULL);
}

/** ExitBootServices: reset the device so no DMA outlives the firmware. */
static VOID EFIAPI vs_exit_boot_services(EFI_EVENT Event, VOID *Context)
{
	struct vs_efi_ctrl *ctrl = Context;

	(void)Event;
	ctrl->exited = TRUE;
	vscsi_stop(&ctrl->core);
}

/** Scan callback: remember one unit. */
static void vs_record_lun(void *ctx, const struct scsi_lun_info *info)
{
	struct vs_efi_ctrl *ctrl = ctx;

	if (ctrl->nluns >= VS_EFI_MAX_LUNS) {
		VS_EFI_ERR("more than %u units, ignoring %u:%u", VS_EFI_MAX_LUNS,
			   info->target, info->lun);
		return;
	}
	ctrl->luns[ctrl->nluns++] = *info;
}

/**
 * Find the units and give each direct-access one a Block I/O child.
 * @v ctrl	controller
 * @v driver_handle	our driver-binding handle
 */
static void vs_create_children(struct vs_efi_ctrl *ctrl,
			       EFI_HANDLE driver_handle)
{
	EFI_STATUS st;
	UINTN i;
	int rc;

	rc = scsi_scan(&ctrl->core, vs_record_lun, ctrl);
	if (rc != VS_OK)
		VS_EFI_ERR("scan stopped (%d); %u units found", rc,
			   (unsigned)ctrl->nluns);
	for (i = 0; i < ctrl->nluns; i++) {
		if (ctrl->luns[i].pdt != SCSI_PDT_DIRECT_ACCESS &&
		    ctrl->luns[i].pdt != SCSI_PDT_CDROM)
			continue;
		st = vs_efi_disk_create(ctrl, i, driver_handle);
		if (EFI_ERROR(st))
			VS_EFI_ERR("scsi %u:%u: no Block I/O (%lx)",
				   ctrl->luns[i].target, ctrl->luns[i].lun,
				   (unsigned long)st);
	}
}

/**
 * Remove every child (unwinding a failed Start).
 * @v ctrl	controller
 * @v driver_handle	our driver-binding handle
 */
static void vs_destroy_children(struct vs_efi_ctrl *ctrl,
				EFI_HANDLE driver_handle)
{
	UINTN i;

	for (i = 0; i < ctrl->nluns; i++)
		if (ctrl->disks[i])
			vs_efi_disk_destroy(ctrl->disks[i], driver_handle);
}

/**
 * §11.1 Start(): set up the controller, publish Ext SCSI Pass Thru, and a
 * Block I/O child per direct-access unit.
 */
static EFI_STATUS EFIAPI vs_start(EFI_DRIVER_BINDING_PROTOCOL *This,
				  EFI_HANDLE Controller,
				  EFI_DEVICE_PATH *RemainingDevicePath)
{
	EFI_HANDLE drv = This->DriverBindingHandle;
	struct vs_efi_ctrl *ctrl;
	VOID *iface;
	EFI_STATUS st;
	int rc;

	(void)RemainingDevicePath;
	ctrl = AllocateZeroPool(sizeof(*ctrl));
	if (!ctrl)
		return EFI_OUT_OF_RESOURCES;
	ctrl->signature = VS_EFI_CTRL_SIGNATURE;
	ctrl->handle = Controller;
	st = BS->OpenProtocol(Controller, &vs_pci_io_guid, (VOID **)&ctrl->pci_io,
			      drv, Controller, EFI_OPEN_PROTOCOL_BY_DRIVER);
	if (EFI_ERROR(st))
		goto err_pci_io;
	st = BS->OpenProtocol(Controller, &vs_device_path_guid,
			      (VOID **)&ctrl->dev_path, drv, Controller,
			      EFI_OPEN_PROTOCOL_GET_PROTOCOL);
	if (EFI_ERROR(st))
		goto err_dev_path;
	st = vs_enable_pci(ctrl);
	if (EFI_ERROR(st))
		goto err_enable;
	vs_efi_platform_init(&ctrl->plat, ctrl->pci_io);
	rc = vscsi_init(&ctrl->core, &ctrl->plat.base);
	if (rc != VS_OK) {
		st = rc == VS_E_NODEV ? EFI_UNSUPPORTED : vs_efi_status(rc);
		goto err_init;
	}
	st = BS->CreateEvent(EVT_SIGNAL_EXIT_BOOT_SERVICES, TPL_CALLBACK,
			     vs_exit_boot_services, ctrl, &ctrl->exit_boot_event);
	if (EFI_ERROR(st))
		goto err_event;
	vs_efi_pass_thru_init(ctrl);
	vs_efi_stats_init(ctrl);
	st = BS->InstallMultipleProtocolInterfaces(&Controller,
			&vs_efi_pass_thru_guid, &ctrl->pass_thru,
			&vs_efi_stats_guid, &ctrl->stats, NULL);
	if (EFI_ERROR(st))
		goto err_install;
	/*
	 * Hold our own pass-thru BY_DRIVER: a platform SCSI bus driver that
	 * layers on every Ext SCSI Pass Thru (EDK2 ScsiBusDxe) then gets
	 * ACCESS_DENIED, so each unit has exactly one Block I/O, ours.
	 */
	st = BS->OpenProtocol(Controller, &vs_efi_pass_thru_guid, &iface, drv,
			      Controller, EFI_OPEN_PROTOCOL_BY_DRIVER);
	if (EFI_ERROR(st))
		goto err_hold;
	vs_create_children(ctrl, drv);
	st = vs_efi_hotplug_start(ctrl);
	if (EFI_ERROR(st))
		goto err_hotplug;
	VS_EFI_LOG("controller started, %u units", (unsigned)ctrl->nluns);
	return EFI_SUCCESS;

err_hotplug:
	vs_destroy_children(ctrl, drv);
	BS->CloseProtocol(Controller, &vs_efi_pass_thru_guid, drv, Controller);
err_hold:
	BS->UninstallMultipleProtocolInterfaces(Controller,
			&vs_efi_pass_thru_guid, &ctrl->pass_thru,
			&vs_efi_stats_guid, &ctrl->stats, NULL);
err_install:
	BS->CloseEvent(ctrl->exit_boot_event);
err_event:
	vscsi_fini(&ctrl->core);
err_init:
	ctrl->pci_io->Attributes(ctrl->pci_io, EfiPciIoAttributeOperationSet,
				 ctrl->orig_attributes, NULL);
err_enable:
err_dev_path:
	BS->CloseProtocol(Controller, &vs_pci_io_guid, drv, Controller);
err_pci_io:
	FreePool(ctrl);
	return st;
}

/**
 * Find our controller context on a handle.
 * @v controller	handle
 * @v drv	our driver-binding handle
 * @ret ctrl	context or NULL
 */
static struct vs_efi_ctrl *vs_ctrl_from_handle(EFI_HANDLE controller,
					       EFI_HANDLE drv)
{
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt;
	struct vs_efi_ctrl *ctrl;

	if (EFI_ERROR(BS->OpenProtocol(controller, &vs_efi_pass_thru_guid,
				       (VOID **)&pt, drv, controller,
				       EFI_OPEN_PROTOCOL_GET_PROTOCOL)))
		return NULL;
	ctrl = container_of(pt, struct vs_efi_ctrl, pass_thru);
	return ctrl->signature == VS_EFI_CTRL_SIGNATURE ? ctrl : NULL;
}

/**
 * Stop the named children of a controller.
 * @v drv	our driver-binding handle
 * @v n		number of children
 * @v children	their handles
 * @ret st	EFI_SUCCESS, or EFI_DEVICE_ERROR if any stayed
 */
static EFI_STATUS vs_stop_children(EFI_HANDLE drv, UINTN n,
				   EFI_HANDLE *children)
{
	EFI_STATUS st = EFI_SUCCESS;
	struct vs_efi_disk *d;
	UINTN i;

	for (i = 0; i < n; i++) {
		d = vs_efi_disk_from_handle(children[i], drv);
		if (!d || EFI_ERROR(vs_efi_disk_destroy(d, drv)))
			st = EFI_DEVICE_ERROR;
	}
	return st;
}

/** §11.1 Stop(): children first, then the controller itself. */
static EFI_STATUS EFIAPI vs_stop(EFI_DRIVER_BINDING_PROTOCOL *This,
				 EFI_HANDLE Controller, UINTN NumberOfChildren,
				 EFI_HANDLE *ChildHandleBuffer)
{
	EFI_HANDLE drv = This->DriverBindingHandle;
	struct vs_efi_ctrl *ctrl;
	EFI_STATUS st;
	UINTN i;

	if (NumberOfChildren)
		return vs_stop_children(drv, NumberOfChildren, ChildHandleBuffer);
	ctrl = vs_ctrl_from_handle(Controller, drv);
	if (!ctrl)
		return EFI_DEVICE_ERROR;
	for (i = 0; i < ctrl->nluns; i++)
		if (ctrl->disks[i])
			return EFI_DEVICE_ERROR;	/* a child is still there */
	vs_efi_hotplug_stop(ctrl);
	BS->CloseProtocol(Controller, &vs_efi_pass_thru_guid, drv, Controller);
	st = BS->UninstallMultipleProtocolInterfaces(Controller,
			&vs_efi_pass_thru_guid, &ctrl->pass_thru,
			&vs_efi_stats_guid, &ctrl->stats, NULL);
	if (EFI_ERROR(st)) {
		VOID *iface;

		BS->OpenProtocol(Controller, &vs_efi_pass_thru_guid, &iface, drv,
				 Controller, EFI_OPEN_PROTOCOL_BY_DRIVER);
		vs_efi_hotplug_start(ctrl);
		return st;
	}
	BS->CloseEvent(ctrl->exit_boot_event);
	vscsi_fini(&ctrl->core);
	ctrl->pci_io->Attributes(ctrl->pci_io, EfiPciIoAttributeOperationSet,
				 ctrl->orig_attributes, NULL);
	BS->CloseProtocol(Controller, &vs_pci_io_guid, drv, Controller);
	ctrl->signature = 0;
	FreePool(ctrl);
	VS_EFI_LOG("controller stopped");
	return EFI_SUCCESS;
}

EFI_DRIVER_BINDING_PROTOCOL vs_efi_driver_binding = {
	.Supported = vs_supported,
	.Start = vs_start,
	.Stop = vs_stop,
	.Version = VS_EFI_DRIVER_VERSION,
};

/**
 * Image Unload(): let go of every controller, then leave.
 * @v image	our image handle
 * @ret st	EFI_SUCCESS, or the error of a controller that would not stop
 */
static EFI_STATUS EFIAPI vs_unload(EFI_HANDLE image)
{
	EFI_HANDLE *handles;
	UINTN n, i;
	EFI_STATUS st;

	st = BS->LocateHandleBuffer(ByProtocol, &vs_efi_pass_thru_guid, NULL,
				    &n, &handles);
	if (st == EFI_SUCCESS) {
		for (i = 0; i < n; i++) {
			if (!vs_ctrl_from_handle(handles[i], image))
				continue;
			st = BS->DisconnectController(handles[i], image, NULL);
			if (EFI_ERROR(st))
				break;
		}
		FreePool(handles);
		if (EFI_ERROR(st))
			return st;
	}
	return BS->UninstallMultipleProtocolInterfaces(image,
			&vs_driver_binding_guid, &vs_efi_driver_binding,
			&vs_component_name_guid, &vs_efi_component_name,
			&vs_component_name2_guid, &vs_efi_component_name2, NULL);
}

/**
 * Driver entry point: install the driver binding and component names.
 * @v image	our image handle
 * @v systab	system table
 * @ret st	EFI status
 */
/* Not EFIAPI: gnu-efi's crt0 calls it with the System V convention. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *loaded;
	EFI_STATUS st;

	vs_bs = systab->BootServices;
	st = BS->OpenProtocol(image, &vs_loaded_image_guid, (VOID **)&loaded,
			      image, NULL, EFI_OPEN_PROTOCOL_GET_PROTOCOL);
	if (EFI_ERROR(st))
		return st;
	loaded->Unload = vs_unload;
	vs_efi_driver_binding.ImageHandle = image;
	vs_efi_driver_binding.DriverBindingHandle = image;
	st = BS->InstallMultipleProtocolInterfaces(&image,
			&vs_driver_binding_guid, &vs_efi_driver_binding,
			&vs_component_name_guid, &vs_efi_component_name,
			&vs_component_name2_guid, &vs_efi_component_name2, NULL);
	if (!EFI_ERROR(st))
		VS_EFI_LOG("driver loaded, binding version %x",
			   VS_EFI_DRIVER_VERSION);
	return st;
}
