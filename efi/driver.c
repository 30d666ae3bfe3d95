/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Driver entry, driver binding (UEFI 2.10 §11.1), image unload, the
 * ExitBootServices reset, and each controller's life: its unit inventory,
 * its Block I/O children, and the one deferred-work mechanism (a timer at
 * TPL_CALLBACK with a pending-work mask) through which the children
 * follow the inventory.
 */
#include "vscsi_efi.h"

static EFI_GUID vs_pci_io_guid = EFI_PCI_IO_PROTOCOL_GUID;
static EFI_GUID vs_device_path_guid = DEVICE_PATH_PROTOCOL;
static EFI_GUID vs_driver_binding_guid = DRIVER_BINDING_PROTOCOL;
static EFI_GUID vs_component_name_guid = EFI_COMPONENT_NAME_PROTOCOL_GUID;
static EFI_GUID vs_component_name2_guid = EFI_COMPONENT_NAME2_PROTOCOL_GUID;
static EFI_GUID vs_loaded_image_guid = LOADED_IMAGE_PROTOCOL;
static EFI_GUID vs_diagnostics2_guid = EFI_DRIVER_DIAGNOSTICS2_PROTOCOL_GUID;
static EFI_GUID vs_supported_version_guid = EFI_DRIVER_SUPPORTED_EFI_VERSION_PROTOCOL_GUID;

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

/* ------------------------------------------------------------------ */
/* The children: one Block I/O per block unit of the inventory          */

/** Timer period, in 100 ns units: 100 ms. */
#define VS_TICK_PERIOD 1000000
/**
 * Ticks an uninstalled child's memory is kept (3 s).  Firmware code that
 * found the handle just before (the Shell's `map`, walking every handle's
 * device path) may still read its protocols; they then see a disk
 * without medium instead of freed pool.
 */
#define VS_RETIRED_TICKS 30

/** Inventory callback: a unit appeared; its child is made by the timer. */
static void vs_unit_added(struct scsi_inventory *inv, struct scsi_unit *u)
{
	struct vs_efi_ctrl *ctrl = inv->ctx;

	(void)u;
	ctrl->pending |= VS_WORK_CHILDREN;
}

/**
 * Inventory callback: a unit went away.  Its child has no medium from now
 * on; the timer disconnects it, uninstalls it once nothing holds it, and
 * then gives the unit back.
 */
static void vs_unit_removed(struct scsi_inventory *inv, struct scsi_unit *u)
{
	struct vs_efi_ctrl *ctrl = inv->ctx;
	struct vs_efi_disk *d = u->owner;

	u->owner = NULL;
	scsi_inv_release(inv, u);
	if (d) {
		vs_efi_disk_gone(d);
		ctrl->pending |= VS_WORK_CHILDREN;
	}
}

/** Inventory callback: a medium or capacity changed. */
static void vs_unit_changed(struct scsi_inventory *inv, struct scsi_unit *u)
{
	struct vs_efi_ctrl *ctrl = inv->ctx;

	if (u->owner) {
		vs_efi_disk_media_changed(u->owner);
		ctrl->pending |= VS_WORK_CHILDREN;
	}
}

static const struct scsi_inventory_ops vs_inventory_ops = {
	.added = vs_unit_added,
	.removed = vs_unit_removed,
	.changed = vs_unit_changed,
};

/**
 * Give every listed block unit that has none a Block I/O child.
 * @v ctrl	controller
 * @v connect	connect drivers to the new children (hot-plug; at Start the
 *		firmware's ConnectController does it)
 * @ret again	TRUE when a child must be tried again later (the path of a
 *		leaving child with the same address is still installed)
 */
static BOOLEAN vs_create_children(struct vs_efi_ctrl *ctrl, BOOLEAN connect)
{
	struct scsi_inventory *inv = &ctrl->inv;
	struct vs_efi_disk *d;
	struct scsi_unit *u;
	BOOLEAN again = FALSE;
	EFI_STATUS st;
	UINTN i;

	for (i = 0; i < scsi_inv_count(inv); i++) {
		u = scsi_inv_at(inv, i);
		if (!u->has_disk || u->owner)
			continue;
		d = vs_efi_disk_create(ctrl, u, &st);
		if (!d) {
			if (st == EFI_ALREADY_STARTED) {
				again = TRUE;
				continue;
			}
			/* tried again at the next change, not every tick */
			VS_EFI_ERR("scsi %u:%u: no Block I/O (%lx)", u->info.target,
				   u->info.lun, (unsigned long)st);
			continue;
		}
		u->owner = d;
		d->connect = connect;
		d->next = ctrl->children;
		ctrl->children = d;
	}
	return again;
}

/**
 * Take a child whose unit went away one step further: disconnect the
 * drivers on it, then, on a later tick and only when none holds it any
 * more, uninstall its handle.
 * @v d		child (its unit gone)
 * @ret done	TRUE when its handle is gone (the caller keeps its memory
 *		on the retired list a while)
 */
static BOOLEAN vs_retire_child(struct vs_efi_disk *d)
{
	if (d->gone_ticks++ == 0 || vs_efi_disk_in_use(d)) {
		/* UEFI 2.10 §7.3: DisconnectController at TPL_CALLBACK at most */
		BS->DisconnectController(d->handle, NULL, NULL);
		if (d->gone_ticks == 2)
			VS_EFI_LOG("scsi %u:%u: still in use, will retry",
				   d->target, d->lun);
		return FALSE;
	}
	if (EFI_ERROR(vs_efi_disk_destroy(d)))
		return FALSE;
	VS_EFI_LOG("scsi %u:%u: handle uninstalled", d->target, d->lun);
	return TRUE;
}

/**
 * Free retired children.
 * @v ctrl	controller
 * @v all	every one (Stop), else those retired long enough
 */
static void vs_free_retired(struct vs_efi_ctrl *ctrl, BOOLEAN all)
{
	struct vs_efi_disk **pp = &ctrl->retired, *d;

	while ((d = *pp)) {
		if (all || ctrl->ticks - d->retired_at >= VS_RETIRED_TICKS) {
			*pp = d->next;
			vs_efi_disk_free(d);
		} else {
			pp = &d->next;
		}
	}
}

/**
 * The children's share of the deferred work: retire those whose unit went
 * away, create the new ones, connect the hot-plugged, reinstall those
 * with a new medium.
 * @v ctrl	controller
 */
static void vs_children_work(struct vs_efi_ctrl *ctrl)
{
	struct vs_efi_disk **pp = &ctrl->children, *d;
	BOOLEAN again = FALSE;

	while ((d = *pp)) {
		if (d->unit) {
			pp = &d->next;
			continue;
		}
		if (vs_retire_child(d)) {
			*pp = d->next;
			d->retired_at = ctrl->ticks;
			d->next = ctrl->retired;
			ctrl->retired = d;
		} else {
			again = TRUE;
			pp = &d->next;
		}
	}
	again |= vs_create_children(ctrl, TRUE);
	for (d = ctrl->children; d; d = d->next) {
		if (d->connect) {
			d->connect = FALSE;
			BS->ConnectController(d->handle, NULL, NULL, TRUE);
		}
		vs_efi_disk_reinstall(d);
	}
	if (!again)
		ctrl->pending &= ~VS_WORK_CHILDREN;
}

/**
 * The controller's one deferred-work mechanism, at TPL_CALLBACK: never
 * inside an I/O (those run at TPL_CALLBACK too) and never during Stop
 * (which raises to TPL_CALLBACK).  Brings the inventory up to date from
 * the event queue, then the children.
 * @v event	timer
 * @v context	controller
 */
static VOID EFIAPI vs_tick(EFI_EVENT event, VOID *context)
{
	struct vs_efi_ctrl *ctrl = context;

	(void)event;
	if (ctrl->exited)
		return;
	ctrl->ticks++;
	scsi_inv_poll(&ctrl->inv);
	if (ctrl->pending & VS_WORK_CHILDREN)
		vs_children_work(ctrl);
	if (ctrl->retired)
		vs_free_retired(ctrl, FALSE);
}

/**
 * Uninstall one child for Stop (the firmware already disconnected the
 * drivers on it) and free it.
 * @v ctrl	controller
 * @v d		child
 * @ret st	EFI_SUCCESS, or the error of the uninstall
 */
static EFI_STATUS vs_stop_child(struct vs_efi_ctrl *ctrl, struct vs_efi_disk *d)
{
	struct vs_efi_disk **pp;
	EFI_STATUS st = vs_efi_disk_destroy(d);

	if (EFI_ERROR(st))
		return st;
	for (pp = &ctrl->children; *pp && *pp != d; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = d->next;
	vs_efi_disk_free(d);
	return EFI_SUCCESS;
}

/**
 * Remove every child (unwinding a failed Start).
 * @v ctrl	controller
 */
static void vs_destroy_children(struct vs_efi_ctrl *ctrl)
{
	while (ctrl->children) {
		struct vs_efi_disk *d = ctrl->children;

		if (d->unit)
			d->unit->owner = NULL;
		if (EFI_ERROR(vs_stop_child(ctrl, d)))
			break;
	}
}

/**
 * §11.1 Start(): set up the controller, publish Ext SCSI Pass Thru, scan,
 * and give each block unit a Block I/O child.
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
	ctrl->driver = drv;
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
		st = vs_efi_status(rc);
		goto err_init;
	}
	scsi_inv_init(&ctrl->inv, &ctrl->core, &vs_inventory_ops, ctrl);
	st = BS->CreateEvent(EVT_SIGNAL_EXIT_BOOT_SERVICES, TPL_CALLBACK,
			     vs_exit_boot_services, ctrl, &ctrl->exit_boot_event);
	if (EFI_ERROR(st))
		goto err_event;
	st = BS->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK,
			     vs_tick, ctrl, &ctrl->timer);
	if (EFI_ERROR(st))
		goto err_timer;
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
	scsi_inv_scan(&ctrl->inv);
	vs_create_children(ctrl, FALSE);
	ctrl->pending = 0;
	st = BS->SetTimer(ctrl->timer, TimerPeriodic, VS_TICK_PERIOD);
	if (EFI_ERROR(st))
		goto err_set_timer;
	VS_EFI_LOG("controller started, %u units",
		   scsi_inv_count(&ctrl->inv));
	return EFI_SUCCESS;

err_set_timer:
	vs_destroy_children(ctrl);
	BS->CloseProtocol(Controller, &vs_efi_pass_thru_guid, drv, Controller);
err_hold:
	BS->UninstallMultipleProtocolInterfaces(Controller,
			&vs_efi_pass_thru_guid, &ctrl->pass_thru,
			&vs_efi_stats_guid, &ctrl->stats, NULL);
err_install:
	BS->CloseEvent(ctrl->timer);
err_timer:
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
 * The controller our driver manages on a handle: opening its PCI I/O
 * BY_DRIVER as our driver says ALREADY_STARTED only then (a handle some
 * other driver holds says ACCESS_DENIED).
 * @v controller	handle
 * @ret ctrl	ours, or NULL
 */
struct vs_efi_ctrl *vs_efi_managed_ctrl(EFI_HANDLE controller)
{
	EFI_HANDLE drv = vs_efi_driver_binding.DriverBindingHandle;
	VOID *iface;
	EFI_STATUS st;

	st = BS->OpenProtocol(controller, &vs_pci_io_guid, &iface, drv,
			      controller, EFI_OPEN_PROTOCOL_BY_DRIVER);
	if (!EFI_ERROR(st)) {
		BS->CloseProtocol(controller, &vs_pci_io_guid, drv, controller);
		return NULL;
	}
	return st == EFI_ALREADY_STARTED ? vs_ctrl_from_handle(controller, drv) :
	       NULL;
}

/**
 * Stop the named children of a controller.  A child whose unit is still
 * listed stays unowned (no Block I/O) until the controller is restarted;
 * one whose unit is gone is simply finished.
 * @v ctrl	controller
 * @v n		number of children
 * @v children	their handles
 * @ret st	EFI_SUCCESS, or EFI_DEVICE_ERROR if any stayed
 */
static EFI_STATUS vs_stop_children(struct vs_efi_ctrl *ctrl, UINTN n,
				   EFI_HANDLE *children)
{
	EFI_STATUS st = EFI_SUCCESS;
	struct scsi_unit *u;
	struct vs_efi_disk *d;
	UINTN i;

	for (i = 0; i < n; i++) {
		d = vs_efi_disk_from_handle(children[i], ctrl->driver);
		if (!d || d->ctrl != ctrl) {
			st = EFI_DEVICE_ERROR;
			continue;
		}
		u = d->unit;	/* vs_stop_child forgets it */
		if (EFI_ERROR(vs_stop_child(ctrl, d))) {
			st = EFI_DEVICE_ERROR;
			continue;
		}
		if (u)
			u->owner = NULL;
	}
	return st;
}

/**
 * §11.1 Stop(): children first, then the controller itself.  Runs at
 * TPL_CALLBACK, so the timer cannot change the children meanwhile.
 */
static EFI_STATUS EFIAPI vs_stop(EFI_DRIVER_BINDING_PROTOCOL *This,
				 EFI_HANDLE Controller, UINTN NumberOfChildren,
				 EFI_HANDLE *ChildHandleBuffer)
{
	EFI_HANDLE drv = This->DriverBindingHandle;
	struct vs_efi_ctrl *ctrl;
	EFI_STATUS st;
	EFI_TPL tpl;

	ctrl = vs_ctrl_from_handle(Controller, drv);
	if (!ctrl)
		return EFI_DEVICE_ERROR;
	tpl = BS->RaiseTPL(TPL_CALLBACK);
	if (NumberOfChildren) {
		st = vs_stop_children(ctrl, NumberOfChildren, ChildHandleBuffer);
		BS->RestoreTPL(tpl);
		return st;
	}
	if (ctrl->children) {
		BS->RestoreTPL(tpl);
		return EFI_DEVICE_ERROR;	/* a child is still there */
	}
	BS->CloseProtocol(Controller, &vs_efi_pass_thru_guid, drv, Controller);
	st = BS->UninstallMultipleProtocolInterfaces(Controller,
			&vs_efi_pass_thru_guid, &ctrl->pass_thru,
			&vs_efi_stats_guid, &ctrl->stats, NULL);
	if (EFI_ERROR(st)) {
		VOID *iface;

		BS->OpenProtocol(Controller, &vs_efi_pass_thru_guid, &iface, drv,
				 Controller, EFI_OPEN_PROTOCOL_BY_DRIVER);
		BS->RestoreTPL(tpl);
		return st;
	}
	BS->CloseEvent(ctrl->timer);
	BS->CloseEvent(ctrl->exit_boot_event);
	vs_free_retired(ctrl, TRUE);
	BS->RestoreTPL(tpl);
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
	st = BS->UninstallMultipleProtocolInterfaces(image,
			&vs_driver_binding_guid, &vs_efi_driver_binding,
			&vs_component_name_guid, &vs_efi_component_name,
			&vs_component_name2_guid, &vs_efi_component_name2,
			&vs_diagnostics2_guid, &vs_efi_diagnostics2,
			&vs_supported_version_guid, &vs_efi_supported_version, NULL);
	if (!EFI_ERROR(st))
		vs_efi_log_fini();
	return st;
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
	vs_efi_log_init();
	vs_efi_clock_init();
	st = BS->OpenProtocol(image, &vs_loaded_image_guid, (VOID **)&loaded,
			      image, NULL, EFI_OPEN_PROTOCOL_GET_PROTOCOL);
	if (EFI_ERROR(st))
		return st;
	loaded->Unload = vs_unload;
	vs_efi_driver_binding.ImageHandle = image;
	vs_efi_driver_binding.DriverBindingHandle = image;
	/* Diagnostics and the supported UEFI version: expected of a driver on
	 * a PCI plug-in card (§11.4, §11.6) */
	st = BS->InstallMultipleProtocolInterfaces(&image,
			&vs_driver_binding_guid, &vs_efi_driver_binding,
			&vs_component_name_guid, &vs_efi_component_name,
			&vs_component_name2_guid, &vs_efi_component_name2,
			&vs_diagnostics2_guid, &vs_efi_diagnostics2,
			&vs_supported_version_guid, &vs_efi_supported_version, NULL);
	if (!EFI_ERROR(st))
		VS_EFI_LOG("driver loaded at %p, %llu bytes, binding version %x",
			   loaded->ImageBase,
			   (unsigned long long)loaded->ImageSize,
			   VS_EFI_DRIVER_VERSION);
	return st;
}
