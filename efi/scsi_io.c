/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * EFI_SCSI_IO_PROTOCOL (UEFI 2.10 §15.4) on each child: its unit's own
 * view of the controller's Ext SCSI Pass Thru, as EDK2's SCSI bus driver
 * gives it.  A leaf over the pass-thru (pass_thru.c), whose checks and
 * status mapping every command passes; nothing reaches the device for a
 * unit that went away.
 *
 * The driver holds each child's SCSI I/O BY_DRIVER itself (driver.c), so
 * no other SCSI disk driver (EDK2's ScsiDiskDxe) starts on a child that
 * already has our Block I/O.
 */
#include "vscsi_efi.h"


static struct vs_efi_disk *vs_sio_disk(EFI_SCSI_IO_PROTOCOL *This)
{
	return vs_container_of(This, struct vs_efi_disk, scsi_io);
}

/**
 * The unit's address as the pass-thru takes it (§15.7: a Target ID is
 * TARGET_MAX_BYTES bytes, ours in the first).
 * @v d		disk
 * @v target	TARGET_MAX_BYTES to fill
 */
static void vs_sio_target(struct vs_efi_disk *d, UINT8 *target)
{
	vs_memset(target, 0, TARGET_MAX_BYTES);
	target[0] = d->target;
}

/** §15.4.1 GetDeviceType(): the peripheral device type from INQUIRY. */
static EFI_STATUS EFIAPI vs_sio_get_device_type(EFI_SCSI_IO_PROTOCOL *This,
						UINT8 *DeviceType)
{
	if (!DeviceType)
		return EFI_INVALID_PARAMETER;
	*DeviceType = SCSI_INQ_PDT(vs_sio_disk(This)->inquiry[0]);
	return EFI_SUCCESS;
}

/** §15.4.2 GetDeviceLocation(): the Target ID (into *Target) and LUN. */
static EFI_STATUS EFIAPI
vs_sio_get_device_location(EFI_SCSI_IO_PROTOCOL *This, UINT8 **Target,
			   UINT64 *Lun)
{
	struct vs_efi_disk *d = vs_sio_disk(This);

	if (!Target || !*Target || !Lun)
		return EFI_INVALID_PARAMETER;
	vs_sio_target(d, *Target);
	*Lun = d->lun;
	return EFI_SUCCESS;
}

/** §15.4.3 ResetBus(): the pass-thru's ResetChannel. */
static EFI_STATUS EFIAPI vs_sio_reset_bus(EFI_SCSI_IO_PROTOCOL *This)
{
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt = &vs_sio_disk(This)->ctrl->pass_thru;

	return pt->ResetChannel(pt);
}

/** §15.4.4 ResetDevice(): the pass-thru's ResetTargetLun of the unit. */
static EFI_STATUS EFIAPI vs_sio_reset_device(EFI_SCSI_IO_PROTOCOL *This)
{
	struct vs_efi_disk *d = vs_sio_disk(This);
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt = &d->ctrl->pass_thru;
	UINT8 target[TARGET_MAX_BYTES];

	if (!d->unit)
		return EFI_DEVICE_ERROR;
	vs_sio_target(d, target);
	return pt->ResetTargetLun(pt, target, d->lun);
}

/**
 * §15.4.5 ExecuteScsiCommand(): the pass-thru's PassThru, blocking; with
 * an Event, the command is carried out and the event signalled, as EDK2's
 * bus driver does over a pass-thru without NONBLOCKIO.  A packet that
 * fails the checks returns their error and signals nothing.
 */
static EFI_STATUS EFIAPI
vs_sio_execute(EFI_SCSI_IO_PROTOCOL *This, EFI_SCSI_IO_SCSI_REQUEST_PACKET *Packet,
	       EFI_EVENT Event)
{
	struct vs_efi_disk *d = vs_sio_disk(This);
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt = &d->ctrl->pass_thru;
	UINT8 target[TARGET_MAX_BYTES];
	EFI_STATUS st;

	if (!Packet)
		return EFI_INVALID_PARAMETER;
	if (!d->unit)
		return EFI_DEVICE_ERROR;	/* gone: nothing is sent */
	/* the packet is the pass-thru's (uefi/scsi_io.h) */
	vs_sio_target(d, target);
	st = pt->PassThru(pt, target, d->lun, Packet, NULL);
	if (st == EFI_INVALID_PARAMETER || st == EFI_UNSUPPORTED)
		return st;	/* refused before anything was sent */
	if (Event)
		vs_bs->SignalEvent(Event);
	return st;
}

/**
 * Fill a child's SCSI I/O protocol.
 * @v d		disk
 */
void vs_efi_scsi_io_init(struct vs_efi_disk *d)
{
	d->scsi_io = (EFI_SCSI_IO_PROTOCOL){
		.GetDeviceType = vs_sio_get_device_type,
		.GetDeviceLocation = vs_sio_get_device_location,
		.ResetBus = vs_sio_reset_bus,
		.ResetDevice = vs_sio_reset_device,
		.ExecuteScsiCommand = vs_sio_execute,
		.IoAlign = VS_EFI_IO_ALIGN,
	};
}
