/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Hot-plug and parameter changes (virtio 1.2 §5.6.6.3): the event queue
 * is drained from a periodic timer at TPL_CALLBACK (and soon after every
 * pass-thru call, which signals the timer), never in the middle of an
 * I/O.  Units that arrive get a Block I/O child, connected so partitions
 * mount; units that leave lose it; a parameter change re-reads the
 * capacity; lost events mean a full rescan.  The same tick reinstalls the
 * Block I/O of disks whose medium changed.
 */
#include "vscsi_efi.h"

/** Timer period, in 100 ns units: 100 ms. */
#define VS_HOTPLUG_PERIOD 1000000
/** Most events handled per timer tick (the rest wait for the next). */
#define VS_HOTPLUG_BATCH 32

static EFI_HANDLE vs_hp_driver(void)
{
	return vs_efi_driver_binding.DriverBindingHandle;
}

/**
 * Find where a unit is, or would go, in the sorted unit table.
 * @v ctrl	controller
 * @v t		target
 * @v l		LUN
 * @ret found	TRUE when it is there
 * @ret index	its index, or the insertion point
 */
static UINTN vs_hp_find(struct vs_efi_ctrl *ctrl, UINT8 t, UINT16 l,
			BOOLEAN *found)
{
	UINTN i;

	for (i = 0; i < ctrl->nluns; i++) {
		const struct scsi_lun_info *u = &ctrl->luns[i];

		if (u->target > t || (u->target == t && u->lun >= l))
			break;
	}
	*found = i < ctrl->nluns && ctrl->luns[i].target == t &&
		 ctrl->luns[i].lun == l;
	return i;
}

/**
 * A unit appeared (or may have): confirm it with INQUIRY and publish it.
 * @v ctrl	controller
 * @v info	the unit, from scsi_inquiry
 */
static void vs_hp_add(struct vs_efi_ctrl *ctrl, const struct scsi_lun_info *info)
{
	BOOLEAN found;
	UINTN i = vs_hp_find(ctrl, info->target, info->lun, &found);

	if (found || ctrl->nluns >= VS_EFI_MAX_LUNS)
		return;
	CopyMem(&ctrl->luns[i + 1], &ctrl->luns[i],
		(ctrl->nluns - i) * sizeof(ctrl->luns[0]));
	CopyMem(&ctrl->disks[i + 1], &ctrl->disks[i],
		(ctrl->nluns - i) * sizeof(ctrl->disks[0]));
	ctrl->luns[i] = *info;
	ctrl->disks[i] = NULL;
	ctrl->nluns++;
	VS_EFI_LOG("scsi %u:%u: arrived", info->target, info->lun);
	if ((info->pdt == SCSI_PDT_DIRECT_ACCESS || info->pdt == SCSI_PDT_CDROM) &&
	    !EFI_ERROR(vs_efi_disk_create(ctrl, i, vs_hp_driver())))
		BS->ConnectController(ctrl->disks[i]->handle, NULL, NULL, TRUE);
}

/**
 * A unit left: remove its child, or, if a consumer holds on to it, leave
 * it without medium so every call fails cleanly.
 * @v ctrl	controller
 * @v t		target
 * @v l		LUN
 */
static void vs_hp_remove(struct vs_efi_ctrl *ctrl, UINT8 t, UINT16 l)
{
	BOOLEAN found;
	UINTN i = vs_hp_find(ctrl, t, l, &found);
	struct vs_efi_disk *d;

	if (!found)
		return;
	VS_EFI_LOG("scsi %u:%u: removed", t, l);
	d = ctrl->disks[i];
	if (d && EFI_ERROR(vs_efi_disk_destroy(d, vs_hp_driver()))) {
		d->disk.present = false;
		d->disk.removable = true;	/* look again before every I/O */
		vs_efi_disk_media_changed(d);
		return;
	}
	CopyMem(&ctrl->luns[i], &ctrl->luns[i + 1],
		(ctrl->nluns - i - 1) * sizeof(ctrl->luns[0]));
	CopyMem(&ctrl->disks[i], &ctrl->disks[i + 1],
		(ctrl->nluns - i - 1) * sizeof(ctrl->disks[0]));
	ctrl->nluns--;
}

/**
 * Look at one unit again: add it, or remove it, as INQUIRY says.
 * @v ctrl	controller
 * @v t		target
 * @v l		LUN
 */
static void vs_hp_probe(struct vs_efi_ctrl *ctrl, UINT8 t, UINT16 l)
{
	struct scsi_lun_info info;
	int rc = scsi_inquiry(&ctrl->core, t, l, &info);

	if (rc == VS_OK)
		vs_hp_add(ctrl, &info);
	else if (rc == VS_E_NOTARGET)
		vs_hp_remove(ctrl, t, l);
}

/** Scan callback of vs_hp_rescan: publish what is new. */
static void vs_hp_found(void *ctx, const struct scsi_lun_info *info)
{
	struct vs_efi_ctrl *ctrl = ctx;

	ctrl->seen[ctrl->nseen < VS_EFI_MAX_LUNS ? ctrl->nseen++ : 0] =
		(UINT32)info->target << 16 | info->lun;
	vs_hp_add(ctrl, info);
}

/**
 * Full rescan (events were lost, or the LUN inventory changed): add what
 * appeared, remove what is gone.
 * @v ctrl	controller
 */
static void vs_hp_rescan(struct vs_efi_ctrl *ctrl)
{
	UINTN i, j;

	ctrl->nseen = 0;
	if (scsi_scan(&ctrl->core, vs_hp_found, ctrl) != VS_OK)
		return;		/* adapter trouble: keep what we have */
	for (i = ctrl->nluns; i-- > 0;) {
		UINT32 key = (UINT32)ctrl->luns[i].target << 16 | ctrl->luns[i].lun;

		for (j = 0; j < ctrl->nseen && ctrl->seen[j] != key; j++)
			;
		if (j == ctrl->nseen)
			vs_hp_remove(ctrl, ctrl->luns[i].target, ctrl->luns[i].lun);
	}
}

/**
 * A unit's parameters changed (capacity, after `block_resize`).
 * @v ctrl	controller
 * @v t		target
 * @v l		LUN
 */
static void vs_hp_param_change(struct vs_efi_ctrl *ctrl, UINT8 t, UINT16 l)
{
	BOOLEAN found;
	UINTN i = vs_hp_find(ctrl, t, l, &found);
	struct vs_efi_disk *d = found ? ctrl->disks[i] : NULL;

	if (!d)
		return;
	d->disk.events |= SCSI_EV_CAPACITY_CHANGED;
	if (scsi_disk_check_media(&d->disk) == SCSI_MEDIA_CHANGED)
		vs_efi_disk_media_changed(d);
}

/**
 * Handle one event.
 * @v ctrl	controller
 * @v ev	event
 * @ret rescan	TRUE when everything must be scanned again
 */
static BOOLEAN vs_hp_event(struct vs_efi_ctrl *ctrl, const struct vscsi_event *ev)
{
	if (ev->missed)
		return TRUE;
	switch (ev->type) {
	case VIRTIO_SCSI_T_TRANSPORT_RESET:
		if (ev->reason == VIRTIO_SCSI_EVT_RESET_REMOVED)
			vs_hp_remove(ctrl, ev->target, ev->lun);
		else
			vs_hp_probe(ctrl, ev->target, ev->lun);
		return FALSE;
	case VIRTIO_SCSI_T_PARAM_CHANGE:
		/* reason: ASC | ASCQ << 8; REPORTED LUNS DATA CHANGED: rescan */
		if (ev->reason == 0x0E3F)
			return TRUE;
		vs_hp_param_change(ctrl, ev->target, ev->lun);
		return FALSE;
	default:
		return FALSE;
	}
}

/**
 * Timer notify: drain the event queue and act on it.
 * @v event	timer
 * @v context	controller
 */
static VOID EFIAPI vs_hp_tick(EFI_EVENT event, VOID *context)
{
	struct vs_efi_ctrl *ctrl = context;
	struct vscsi_event ev;
	BOOLEAN rescan = FALSE;
	UINTN n;

	(void)event;
	if (ctrl->exited)
		return;
	for (n = 0; n < VS_HOTPLUG_BATCH; n++) {
		if (vscsi_poll_event(&ctrl->core, &ev) <= 0)
			break;
		rescan |= vs_hp_event(ctrl, &ev);
	}
	if (rescan || ctrl->rescan) {
		ctrl->rescan = FALSE;
		vs_hp_rescan(ctrl);
	}
	for (n = 0; n < ctrl->nluns; n++)
		if (ctrl->disks[n])
			vs_efi_disk_reinstall(ctrl->disks[n]);
}

/**
 * Start watching for events.
 * @v ctrl	controller
 * @ret st	EFI status
 */
EFI_STATUS vs_efi_hotplug_start(struct vs_efi_ctrl *ctrl)
{
	EFI_STATUS st;

	st = BS->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK,
			     vs_hp_tick, ctrl, &ctrl->hotplug_timer);
	if (EFI_ERROR(st))
		return st;
	st = BS->SetTimer(ctrl->hotplug_timer, TimerPeriodic, VS_HOTPLUG_PERIOD);
	if (EFI_ERROR(st))
		BS->CloseEvent(ctrl->hotplug_timer);
	return st;
}

/**
 * Stop watching for events.
 * @v ctrl	controller
 */
void vs_efi_hotplug_stop(struct vs_efi_ctrl *ctrl)
{
	BS->CloseEvent(ctrl->hotplug_timer);
}

/**
 * Have the event queue drained soon (when the TPL drops below CALLBACK).
 * @v ctrl	controller
 */
void vs_efi_hotplug_kick(struct vs_efi_ctrl *ctrl)
{
	BS->SignalEvent(ctrl->hotplug_timer);
}
