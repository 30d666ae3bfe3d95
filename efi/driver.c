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
	return vp_is_virtio_scsi(id[0], id[1]);
}

/**
 * Read the RemainingDevicePath of Supported or Start (§11.1: a bus
 * driver creates the child it names, or none for an end node).
 * @v path	RemainingDevicePath, or NULL
 * @ret node	the Scsi() node it names, NULL for every child
 * @ret st	EFI_SUCCESS, EFI_NOT_FOUND for an end node (no child), or
 *		EFI_UNSUPPORTED for a path whose first node is no well-formed
 *		Scsi() node
 */
static EFI_STATUS vs_remaining(EFI_DEVICE_PATH *path, SCSI_DEVICE_PATH **node)
{
	*node = NULL;
	if (!path)
		return EFI_SUCCESS;
	if (IsDevicePathEnd(path))
		return EFI_NOT_FOUND;
	if (DevicePathType(path) != MESSAGING_DEVICE_PATH ||
	    DevicePathSubType(path) != MSG_SCSI_DP ||
	    DevicePathNodeLength(path) != sizeof(SCSI_DEVICE_PATH))
		return EFI_UNSUPPORTED;
	*node = (SCSI_DEVICE_PATH *)path;
	return (*node)->Pun <= VIRTIO_SCSI_MAX_TARGET &&
	       (*node)->Lun <= VIRTIO_SCSI_MAX_LUN ? EFI_SUCCESS : EFI_UNSUPPORTED;
}

/**
 * §11.1 Supported(): any virtio-scsi PCI function not yet driven, and the
 * controllers we drive (a bus driver's Start may run again: vs_restart),
 * with no RemainingDevicePath, an end node or a well-formed Scsi() node;
 * and one of our own children whose SCSI I/O we let go (a disconnect of
 * the child): we take it back before any other SCSI disk driver can.
 */
static EFI_STATUS EFIAPI vs_supported(EFI_DRIVER_BINDING_PROTOCOL *This,
				      EFI_HANDLE Controller,
				      EFI_DEVICE_PATH *RemainingDevicePath)
{
	struct vs_efi_disk *d;
	SCSI_DEVICE_PATH *node;
	EFI_PCI_IO *pci_io;
	EFI_STATUS st;

	d = vs_efi_disk_from_handle(Controller, This->DriverBindingHandle);
	if (d) {
		st = vs_efi_disk_hold(d);
		if (!EFI_ERROR(st))
			vs_efi_disk_release(d);
		return st;
	}
	if (vs_remaining(RemainingDevicePath, &node) == EFI_UNSUPPORTED)
		return EFI_UNSUPPORTED;
	st = vs_bs->OpenProtocol(Controller, &vs_efi_pci_io_guid, (VOID **)&pci_io,
			      This->DriverBindingHandle, Controller,
			      EFI_OPEN_PROTOCOL_BY_DRIVER);
	if (st == EFI_ALREADY_STARTED)	/* by us: others get ACCESS_DENIED */
		return EFI_SUCCESS;
	if (EFI_ERROR(st))
		return st;
	st = vs_is_virtio_scsi(pci_io) ? EFI_SUCCESS : EFI_UNSUPPORTED;
	vs_bs->CloseProtocol(Controller, &vs_efi_pci_io_guid, This->DriverBindingHandle,
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
	vscsi_stop(&ctrl->core);
}

/* ------------------------------------------------------------------ */
/* The children: one Block I/O per block unit of the inventory          */
/*
 * A child lives from the moment its unit is first listed (Start, or the
 * timer for a hot-plugged unit) until a caller's synchronous request
 * ends it: Stop of the controller or of the child, a ConnectController of
 * the controller (vs_restart), or unload.  A unit that goes away leaves
 * its child without a medium; one that comes back at the same address
 * gets the same child again.  The timer therefore never frees anything a
 * consumer may hold: a TPL_CALLBACK event can run between any two
 * instructions of an application walking handles.
 */

/** Timer period, in 100 ns units: 100 ms. */
#define VS_TICK_PERIOD 1000000

/**
 * The child at an address, with or without a unit.
 * @v ctrl	controller
 * @v target	target
 * @v lun	LUN
 * @ret d	child, or NULL
 */
static struct vs_efi_disk *vs_child_at(struct vs_efi_ctrl *ctrl, UINT8 target,
				       UINT16 lun)
{
	struct vs_efi_disk *d;

	for (d = ctrl->children; d; d = d->next)
		if (d->target == target && d->lun == lun)
			return d;
	return NULL;
}

/**
 * Give a listed block unit a Block I/O child.
 * @v ctrl	controller
 * @v u		the unit, with a disk and no child
 * @ret d	the child, or NULL (logged)
 */
static struct vs_efi_disk *vs_add_child(struct vs_efi_ctrl *ctrl,
					struct scsi_unit *u)
{
	struct vs_efi_disk *d;
	EFI_STATUS st;

	d = vs_efi_disk_create(ctrl, u, &st);
	if (!d) {
		VS_CTRL_ERR(ctrl, "scsi %u:%u: no Block I/O (%lx)", u->info.target,
			    u->info.lun, (unsigned long)st);
		return NULL;
	}
	u->owner = d;
	d->next = ctrl->children;
	ctrl->children = d;
	return d;
}

/**
 * Inventory callback: a unit appeared.  After Start, a block unit gets
 * its old child back if its address has one, else a new child that the
 * timer connects (adding frees nothing a consumer holds).
 */
static void vs_unit_added(struct scsi_inventory *inv, struct scsi_unit *u)
{
	struct vs_efi_ctrl *ctrl = inv->ctx;
	struct vs_efi_disk *d;

	if (!ctrl->adopt || !u->has_disk)
		return;
	d = vs_child_at(ctrl, u->info.target, u->info.lun);
	if (d) {
		u->owner = d;
		vs_efi_disk_attach(d, u);
		return;
	}
	d = vs_add_child(ctrl, u);
	if (d) {
		d->connect = TRUE;
		vs_efi_defer(ctrl, VS_WORK_CONNECT);
	}
}

/**
 * Inventory callback: a unit went away.  Its child keeps its handle, with
 * no medium; the unit's storage goes back to the inventory at once.
 */
static void vs_unit_removed(struct scsi_inventory *inv, struct scsi_unit *u)
{
	struct vs_efi_disk *d = u->owner;

	u->owner = NULL;
	scsi_inv_release(inv, u);
	if (d)
		vs_efi_disk_gone(d);
}

/** Inventory callback: a medium or capacity changed. */
static void vs_unit_changed(struct scsi_inventory *inv, struct scsi_unit *u)
{
	(void)inv;
	if (u->owner)
		vs_efi_disk_changed(u->owner);
}

static const struct scsi_inventory_ops vs_inventory_ops = {
	.added = vs_unit_added,
	.removed = vs_unit_removed,
	.changed = vs_unit_changed,
};

/**
 * Give listed block units without a child one: every one, or the one a
 * RemainingDevicePath names (the boot manager connects the boot device
 * alone, so a disk among hundreds costs one child, not hundreds).
 * @v ctrl	controller
 * @v path	RemainingDevicePath of Start, or NULL
 */
static void vs_create_children(struct vs_efi_ctrl *ctrl, EFI_DEVICE_PATH *path)
{
	SCSI_DEVICE_PATH *node;
	struct scsi_unit *u;
	UINTN i;

	if (vs_remaining(path, &node) != EFI_SUCCESS)
		return;		/* an end node: no child (or a bad path) */
	if (node) {
		u = scsi_inv_find(&ctrl->inv, (UINT8)node->Pun, node->Lun);
		if (u && u->has_disk && !u->owner)
			vs_add_child(ctrl, u);
		return;
	}
	for (i = 0; i < scsi_inv_count(&ctrl->inv); i++) {
		u = scsi_inv_at(&ctrl->inv, i);
		if (u->has_disk && !u->owner)
			vs_add_child(ctrl, u);
	}
}

/**
 * Take a child off the list and uninstall it.
 * @v ctrl	controller
 * @v d		child
 * @ret st	EFI_SUCCESS (d is freed), or the error of the uninstall
 *		(d stays as it was)
 */
static EFI_STATUS vs_remove_child(struct vs_efi_ctrl *ctrl,
				  struct vs_efi_disk *d)
{
	struct vs_efi_disk **pp;
	struct scsi_unit *u = d->unit;
	EFI_STATUS st;

	for (pp = &ctrl->children; *pp != d; pp = &(*pp)->next)
		if (!*pp)
			return EFI_NOT_FOUND;
	*pp = d->next;
	st = vs_efi_disk_destroy(d);
	if (EFI_ERROR(st)) {
		*pp = d;	/* kept as it was */
		return st;
	}
	if (u)
		u->owner = NULL;
	return EFI_SUCCESS;
}

/**
 * A caller connects the started controller again (§11.1: a bus driver's
 * Start may be called once more): the synchronous point where children
 * whose unit went away are uninstalled, listed block units without a
 * child get one, and every pending medium change is told.
 * @v ctrl	controller
 */
static void vs_restart(struct vs_efi_ctrl *ctrl, EFI_DEVICE_PATH *path)
{
	struct vs_efi_disk *d, *next;
	EFI_TPL tpl;

	tpl = vs_bs->RaiseTPL(TPL_CALLBACK);
	for (d = ctrl->children; d; d = next) {
		next = d->next;
		if (!d->unit)
			vs_remove_child(ctrl, d);
		else
			vs_efi_disk_sync(d);
	}
	vs_create_children(ctrl, path);
	vs_bs->RestoreTPL(tpl);
}

/**
 * The controller's one deferred-work mechanism, at TPL_CALLBACK: never
 * inside an I/O (those run at TPL_CALLBACK too) and never during Stop
 * (which raises to TPL_CALLBACK).  Brings the inventory up to date from
 * the event queue, then connects drivers to the hot-plugged children.
 * @v event	timer
 * @v context	controller
 */
static VOID EFIAPI vs_tick(EFI_EVENT event, VOID *context)
{
	struct vs_efi_ctrl *ctrl = context;
	struct vs_efi_disk *d;

	(void)event;
	if (ctrl->core.stopped)	/* ExitBootServices: hands off */
		return;
	/* each tick polls: an event needs no request to be noticed */
	ctrl->pending &= ~VS_WORK_POLL;
	scsi_inv_poll(&ctrl->inv);
	if (!(ctrl->pending & VS_WORK_CONNECT))
		return;
	ctrl->pending &= ~VS_WORK_CONNECT;
	for (d = ctrl->children; d; d = d->next) {
		if (d->connect) {
			d->connect = FALSE;
			vs_bs->ConnectController(d->handle, NULL, NULL, TRUE);
		}
	}
}

/**
 * Remove every child (unwinding a failed Start).
 * @v ctrl	controller
 */
static void vs_destroy_children(struct vs_efi_ctrl *ctrl)
{
	while (ctrl->children)
		if (EFI_ERROR(vs_remove_child(ctrl, ctrl->children)))
			break;
}

/**
 * Take the PCI function and start the device on it.
 * @v ctrl	controller: handle and driver set
 * @ret st	EFI_SUCCESS, or the error (nothing left taken)
 */
static EFI_STATUS vs_ctrl_open(struct vs_efi_ctrl *ctrl)
{
	EFI_STATUS st;
	int rc;

	st = vs_bs->OpenProtocol(ctrl->handle, &vs_efi_pci_io_guid,
				 (VOID **)&ctrl->pci_io, ctrl->driver,
				 ctrl->handle, EFI_OPEN_PROTOCOL_BY_DRIVER);
	if (EFI_ERROR(st))
		return st;
	st = vs_bs->OpenProtocol(ctrl->handle, &vs_efi_device_path_guid,
				 (VOID **)&ctrl->dev_path, ctrl->driver,
				 ctrl->handle, EFI_OPEN_PROTOCOL_GET_PROTOCOL);
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
	return EFI_SUCCESS;

err_init:
	ctrl->pci_io->Attributes(ctrl->pci_io, EfiPciIoAttributeOperationSet,
				 ctrl->orig_attributes, NULL);
err_enable:
err_dev_path:
	vs_bs->CloseProtocol(ctrl->handle, &vs_efi_pci_io_guid, ctrl->driver,
			     ctrl->handle);
	return st;
}

/**
 * Stop the device and give the PCI function back (vs_ctrl_open undone).
 * @v ctrl	controller
 */
static void vs_ctrl_close(struct vs_efi_ctrl *ctrl)
{
	vscsi_fini(&ctrl->core);
	ctrl->pci_io->Attributes(ctrl->pci_io, EfiPciIoAttributeOperationSet,
				 ctrl->orig_attributes, NULL);
	vs_bs->CloseProtocol(ctrl->handle, &vs_efi_pci_io_guid, ctrl->driver,
			     ctrl->handle);
}

/**
 * Create the controller's events and publish Ext SCSI Pass Thru (and our
 * statistics), held BY_DRIVER by ourselves: a platform SCSI bus driver
 * that layers on every Ext SCSI Pass Thru (EDK2 ScsiBusDxe) then gets
 * ACCESS_DENIED, so each unit has exactly one Block I/O, ours.
 * @v ctrl	controller, open
 * @ret st	EFI_SUCCESS, or the error (nothing left created)
 */
static EFI_STATUS vs_ctrl_publish(struct vs_efi_ctrl *ctrl)
{
	VOID *iface;
	EFI_STATUS st;

	st = vs_bs->CreateEvent(EVT_SIGNAL_EXIT_BOOT_SERVICES, TPL_CALLBACK,
				vs_exit_boot_services, ctrl, &ctrl->exit_boot_event);
	if (EFI_ERROR(st))
		return st;
	st = vs_bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK,
				vs_tick, ctrl, &ctrl->timer);
	if (EFI_ERROR(st))
		goto err_timer;
	vs_efi_pass_thru_init(ctrl);
	vs_efi_stats_init(ctrl);
	st = vs_bs->InstallMultipleProtocolInterfaces(&ctrl->handle,
			&vs_efi_pass_thru_guid, &ctrl->pass_thru,
			&vs_efi_stats_guid, &ctrl->stats, NULL);
	if (EFI_ERROR(st))
		goto err_install;
	st = vs_bs->OpenProtocol(ctrl->handle, &vs_efi_pass_thru_guid, &iface,
				 ctrl->driver, ctrl->handle,
				 EFI_OPEN_PROTOCOL_BY_DRIVER);
	if (EFI_ERROR(st))
		goto err_hold;
	return EFI_SUCCESS;

err_hold:
	vs_bs->UninstallMultipleProtocolInterfaces(ctrl->handle,
			&vs_efi_pass_thru_guid, &ctrl->pass_thru,
			&vs_efi_stats_guid, &ctrl->stats, NULL);
err_install:
	vs_bs->CloseEvent(ctrl->timer);
err_timer:
	vs_bs->CloseEvent(ctrl->exit_boot_event);
	return st;
}

/**
 * Withdraw Ext SCSI Pass Thru and close the events (vs_ctrl_publish
 * undone); a consumer that will not let go keeps everything as it was.
 * @v ctrl	controller
 * @ret st	EFI_SUCCESS, or the error of the uninstall
 */
static EFI_STATUS vs_ctrl_unpublish(struct vs_efi_ctrl *ctrl)
{
	VOID *iface;
	EFI_STATUS st;

	vs_bs->CloseProtocol(ctrl->handle, &vs_efi_pass_thru_guid, ctrl->driver,
			     ctrl->handle);
	st = vs_bs->UninstallMultipleProtocolInterfaces(ctrl->handle,
			&vs_efi_pass_thru_guid, &ctrl->pass_thru,
			&vs_efi_stats_guid, &ctrl->stats, NULL);
	if (EFI_ERROR(st)) {
		vs_bs->OpenProtocol(ctrl->handle, &vs_efi_pass_thru_guid, &iface,
				    ctrl->driver, ctrl->handle,
				    EFI_OPEN_PROTOCOL_BY_DRIVER);
		return st;
	}
	vs_bs->CloseEvent(ctrl->timer);
	vs_bs->CloseEvent(ctrl->exit_boot_event);
	return EFI_SUCCESS;
}

/**
 * §11.1 Start(): set up the controller, publish Ext SCSI Pass Thru, scan
 * (the legal address list is always whole), and give each block unit a
 * Block I/O child, or only the one RemainingDevicePath names (none for an
 * end node).  On a controller already started, see vs_restart; on one of
 * our children, take its SCSI I/O back.
 */
static EFI_STATUS EFIAPI vs_start(EFI_DRIVER_BINDING_PROTOCOL *This,
				  EFI_HANDLE Controller,
				  EFI_DEVICE_PATH *RemainingDevicePath)
{
	EFI_HANDLE drv = This->DriverBindingHandle;
	struct vs_efi_ctrl *ctrl;
	struct vs_efi_disk *d;
	EFI_STATUS st;

	d = vs_efi_disk_from_handle(Controller, drv);
	if (d)
		return vs_efi_disk_hold(d);	/* our child, taken back */
	ctrl = vs_efi_managed_ctrl(Controller);
	if (ctrl) {
		vs_restart(ctrl, RemainingDevicePath);
		return EFI_SUCCESS;
	}
	ctrl = vs_efi_alloc(sizeof(*ctrl));
	if (!ctrl)
		return EFI_OUT_OF_RESOURCES;
	ctrl->signature = VS_EFI_CTRL_SIGNATURE;
	ctrl->handle = Controller;
	ctrl->driver = drv;
	st = vs_ctrl_open(ctrl);
	if (EFI_ERROR(st))
		goto err_open;
	st = vs_ctrl_publish(ctrl);
	if (EFI_ERROR(st))
		goto err_publish;
	scsi_inv_scan(&ctrl->inv);
	vs_create_children(ctrl, RemainingDevicePath);
	ctrl->adopt = TRUE;
	st = vs_bs->SetTimer(ctrl->timer, TimerPeriodic, VS_TICK_PERIOD);
	if (EFI_ERROR(st))
		goto err_set_timer;
	VS_CTRL_LOG(ctrl, "controller started, %u units",
		    scsi_inv_count(&ctrl->inv));
	return EFI_SUCCESS;

err_set_timer:
	vs_destroy_children(ctrl);
	vs_ctrl_unpublish(ctrl);
err_publish:
	vs_ctrl_close(ctrl);
err_open:
	vs_efi_free(ctrl);
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

	if (EFI_ERROR(vs_bs->OpenProtocol(controller, &vs_efi_pass_thru_guid,
				       (VOID **)&pt, drv, controller,
				       EFI_OPEN_PROTOCOL_GET_PROTOCOL)))
		return NULL;
	ctrl = vs_container_of(pt, struct vs_efi_ctrl, pass_thru);
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

	st = vs_bs->OpenProtocol(controller, &vs_efi_pci_io_guid, &iface, drv,
			      controller, EFI_OPEN_PROTOCOL_BY_DRIVER);
	if (!EFI_ERROR(st)) {
		vs_bs->CloseProtocol(controller, &vs_efi_pci_io_guid, drv, controller);
		return NULL;
	}
	return st == EFI_ALREADY_STARTED ? vs_ctrl_from_handle(controller, drv) :
	       NULL;
}

/**
 * Stop the named children of a controller.  A child whose unit is still
 * listed leaves it without a child until the controller is connected
 * again (vs_restart).
 * @v ctrl	controller
 * @v n		number of children
 * @v children	their handles
 * @ret st	EFI_SUCCESS, or EFI_DEVICE_ERROR if any stayed
 */
static EFI_STATUS vs_stop_children(struct vs_efi_ctrl *ctrl, UINTN n,
				   EFI_HANDLE *children)
{
	EFI_STATUS st = EFI_SUCCESS;
	struct vs_efi_disk *d;
	UINTN i;

	for (i = 0; i < n; i++) {
		d = vs_efi_disk_from_handle(children[i], ctrl->driver);
		if (!d || d->ctrl != ctrl ||
		    EFI_ERROR(vs_remove_child(ctrl, d)))
			st = EFI_DEVICE_ERROR;
	}
	return st;
}

/**
 * §11.1 Stop(): children first, then the controller itself.  Runs at
 * TPL_CALLBACK, so the timer cannot change the children meanwhile.  On
 * one of our children (we hold its SCSI I/O): let go of that.
 */
static EFI_STATUS EFIAPI vs_stop(EFI_DRIVER_BINDING_PROTOCOL *This,
				 EFI_HANDLE Controller, UINTN NumberOfChildren,
				 EFI_HANDLE *ChildHandleBuffer)
{
	EFI_HANDLE drv = This->DriverBindingHandle;
	struct vs_efi_ctrl *ctrl;
	struct vs_efi_disk *d;
	EFI_STATUS st;
	EFI_TPL tpl;

	d = vs_efi_disk_from_handle(Controller, drv);
	if (d) {
		/* a disconnect of our child: let go of its SCSI I/O */
		vs_efi_disk_release(d);
		return EFI_SUCCESS;
	}
	ctrl = vs_ctrl_from_handle(Controller, drv);
	if (!ctrl)
		return EFI_DEVICE_ERROR;
	tpl = vs_bs->RaiseTPL(TPL_CALLBACK);
	if (NumberOfChildren) {
		st = vs_stop_children(ctrl, NumberOfChildren, ChildHandleBuffer);
		vs_bs->RestoreTPL(tpl);
		return st;
	}
	if (ctrl->children) {
		vs_bs->RestoreTPL(tpl);
		return EFI_DEVICE_ERROR;	/* a child is still there */
	}
	st = vs_ctrl_unpublish(ctrl);
	vs_bs->RestoreTPL(tpl);
	if (EFI_ERROR(st))
		return st;
	vs_ctrl_close(ctrl);
	VS_CTRL_LOG(ctrl, "controller stopped");
	ctrl->signature = 0;
	vs_efi_free(ctrl);
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

	st = vs_bs->LocateHandleBuffer(ByProtocol, &vs_efi_pass_thru_guid, NULL,
				    &n, &handles);
	if (st == EFI_SUCCESS) {
		for (i = 0; i < n; i++) {
			if (!vs_ctrl_from_handle(handles[i], image))
				continue;
			st = vs_bs->DisconnectController(handles[i], image, NULL);
			if (EFI_ERROR(st))
				break;
		}
		vs_efi_free(handles);
		if (EFI_ERROR(st))
			return st;
	}
	st = vs_bs->UninstallMultipleProtocolInterfaces(image,
			&vs_efi_driver_binding_guid, &vs_efi_driver_binding,
			&vs_efi_component_name_guid, &vs_efi_component_name,
			&vs_efi_component_name2_guid, &vs_efi_component_name2,
			&vs_efi_diagnostics2_guid, &vs_efi_diagnostics2,
			&vs_efi_supported_version_guid, &vs_efi_supported_version, NULL);
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
	st = vs_bs->OpenProtocol(image, &vs_efi_loaded_image_guid, (VOID **)&loaded,
			      image, NULL, EFI_OPEN_PROTOCOL_GET_PROTOCOL);
	if (EFI_ERROR(st))
		return st;
	loaded->Unload = vs_unload;
	vs_efi_driver_binding.ImageHandle = image;
	vs_efi_driver_binding.DriverBindingHandle = image;
	/* Diagnostics and the supported UEFI version: expected of a driver on
	 * a PCI plug-in card (§11.4, §11.6) */
	st = vs_bs->InstallMultipleProtocolInterfaces(&image,
			&vs_efi_driver_binding_guid, &vs_efi_driver_binding,
			&vs_efi_component_name_guid, &vs_efi_component_name,
			&vs_efi_component_name2_guid, &vs_efi_component_name2,
			&vs_efi_diagnostics2_guid, &vs_efi_diagnostics2,
			&vs_efi_supported_version_guid, &vs_efi_supported_version, NULL);
	if (!EFI_ERROR(st))
		VS_EFI_LOG("driver loaded at %p, %llu bytes, binding version %x",
			   loaded->ImageBase,
			   (unsigned long long)loaded->ImageSize,
			   VS_EFI_DRIVER_VERSION);
	return st;
}
