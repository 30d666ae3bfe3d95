/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * EFI_BLOCK_IO_PROTOCOL (UEFI 2.10 §13.9) on one child handle per block
 * unit (disk or CD/DVD), with device path controller + Scsi(Pun,Lun).
 * One disk, a leaf: its controller (driver.c) decides when a child is
 * made and freed.  A child whose unit went away keeps answering, without
 * a medium, and never reaches the core again until a unit comes back at
 * its address.  Changes reach the consumer inside a call it made
 * (vs_efi_disk_sync), as EDK2's SCSI disk driver does it.
 *
 * Parameter checks follow §13.9 in the order the UEFI test suite expects:
 * media presence and MediaId first (a stale MediaId is reported even when
 * other parameters are also wrong), then buffer, size, range, alignment.
 */
#include "vscsi_efi.h"


/** §13.9.3/4 allow no other failure than these for a request sent. */
static const struct vs_efi_status_map vs_bio_status[] = {
	{ VS_OK, EFI_SUCCESS },
	{ VS_E_NOMEDIA, EFI_NO_MEDIA },
	{ VS_E_PROTECTED, EFI_WRITE_PROTECTED },
};

static struct vs_efi_disk *vs_bio_disk(EFI_BLOCK_IO *This)
{
	return vs_container_of(This, struct vs_efi_disk, block_io);
}

/**
 * Copy the disk's geometry into the Block I/O media (§13.9.1); a unit
 * that went away has no medium.
 * @v d		disk
 */
static void vs_bio_fill_media(struct vs_efi_disk *d)
{
	EFI_BLOCK_IO_MEDIA *m = &d->media;
	struct scsi_disk *sd = d->unit ? &d->unit->disk : NULL;
	BOOLEAN present = sd && sd->present;

	m->MediaPresent = present;
	m->IoAlign = VS_EFI_IO_ALIGN;
	if (!sd) {
		m->LastBlock = 0;
		return;		/* the rest stays as it was */
	}
	m->RemovableMedia = sd->removable;
	m->ReadOnly = sd->read_only;
	m->BlockSize = present ? sd->block_size : 512;
	m->LastBlock = present ? sd->last_lba : 0;
	m->LowestAlignedLba = sd->lowest_aligned;
	m->LogicalBlocksPerPhysicalBlock = 1u << sd->phys_exp;
	m->OptimalTransferLengthGranularity = sd->opt_granularity;
}

/**
 * Look for a changed medium before an I/O: on removable units always
 * (eject, insert), elsewhere when a unit attention said the medium or its
 * capacity changed.  The inventory tells the controller of a change,
 * which calls vs_efi_disk_changed.
 * @v d		disk, its unit present
 * @ret st	EFI_SUCCESS, or a device error
 */
static EFI_STATUS vs_bio_refresh(struct vs_efi_disk *d)
{
	struct scsi_disk *sd = &d->unit->disk;
	int rc;

	if (!sd->removable && !(sd->events & (SCSI_EV_MEDIUM_CHANGED |
					       SCSI_EV_CAPACITY_CHANGED)))
		return EFI_SUCCESS;
	rc = scsi_inv_check_media(&d->ctrl->inv, d->unit);
	return rc < 0 ? VS_EFI_MAP(vs_bio_status, rc, EFI_DEVICE_ERROR) : EFI_SUCCESS;
}

/**
 * The unit's medium, capacity or presence changed (the controller's timer
 * or a call of ours learnt it): the consumer is told at its next call
 * (vs_efi_disk_sync), never from the timer.
 * @v d		disk
 */
void vs_efi_disk_changed(struct vs_efi_disk *d)
{
	d->changed = TRUE;
}

/**
 * Tell the consumers of a disk of a change inside a call one of them made,
 * as EDK2's SCSI disk driver does: new MediaId and geometry at once (UEFI
 * 2.10 §13.9: "the MediaId ... changes whenever the media changes"), and,
 * with a medium present, the Block I/O reinstalled so the partition and
 * file system drivers above find what is on it.  An empty drive is not
 * reinstalled: the drivers above keep their handles and get NO_MEDIA /
 * MEDIA_CHANGED; re-binding them on an empty drive and again on the next
 * disc crashed Debian's OVMF 2022.11 (#GP executing freed pool), where
 * one reinstall on the new disc works.  Called at TPL_CALLBACK, which
 * ReinstallProtocolInterface allows (UEFI 2.10 §7.3).
 * @v d		disk
 * @ret st	EFI_SUCCESS when nothing changed, else EFI_MEDIA_CHANGED or
 *		EFI_NO_MEDIA (the call that found it returns that)
 */
EFI_STATUS vs_efi_disk_sync(struct vs_efi_disk *d)
{
	if (!d->changed)
		return EFI_SUCCESS;
	d->changed = FALSE;
	d->media.MediaId++;
	vs_bio_fill_media(d);
	if (d->unit)
		vs_memcpy(d->inquiry, d->unit->info.inquiry, sizeof(d->inquiry));
	VS_CTRL_LOG(d->ctrl, "scsi %u:%u: medium changed: %s, %llu blocks of %u",
		   d->target, d->lun, d->media.MediaPresent ? "present" : "none",
		   (unsigned long long)d->media.LastBlock + 1, d->media.BlockSize);
	if (!d->media.MediaPresent)
		return EFI_NO_MEDIA;
	vs_bs->ReinstallProtocolInterface(d->handle, &vs_efi_block_io_guid,
				       &d->block_io, &d->block_io);
	vs_bs->ReinstallProtocolInterface(d->handle, &vs_efi_block_io2_guid,
				       &d->block_io2, &d->block_io2);
	return EFI_MEDIA_CHANGED;
}

/**
 * What every call on a disk does first, at TPL_CALLBACK: look for a
 * changed medium, and tell the consumer of any change.
 * @v d		disk
 * @ret st	EFI_SUCCESS to go on, or the status the call returns
 */
static EFI_STATUS vs_bio_begin(struct vs_efi_disk *d)
{
	EFI_STATUS st = d->unit ? vs_bio_refresh(d) : EFI_SUCCESS;

	return EFI_ERROR(st) ? st : vs_efi_disk_sync(d);
}

/**
 * The unit went away: from now on the disk has no medium (new MediaId,
 * EFI_NO_MEDIA for every call) and never reaches the core again.  Its
 * handle stays until a caller's Stop or ConnectController of the
 * controller: nothing a consumer holds is freed under it.
 * @v d		disk
 */
void vs_efi_disk_gone(struct vs_efi_disk *d)
{
	d->unit = NULL;
	d->changed = FALSE;
	d->connect = FALSE;
	d->media.MediaId++;
	vs_bio_fill_media(d);
	VS_CTRL_LOG(d->ctrl, "scsi %u:%u: gone, no medium from now on", d->target, d->lun);
}

/**
 * A unit came back at the address of a disk whose unit had gone: the
 * disk takes it, and its consumers learn of the medium at their next call.
 * @v d		disk without a unit
 * @v u		the listed unit at its address, with a disk
 */
void vs_efi_disk_attach(struct vs_efi_disk *d, struct scsi_unit *u)
{
	d->unit = u;
	d->changed = TRUE;
	VS_CTRL_LOG(d->ctrl, "scsi %u:%u: back", d->target, d->lun);
}

/**
 * Check the parameters of ReadBlocks/WriteBlocks (§13.9.3, §13.9.4).
 * @v d		disk
 * @v media_id	caller's MediaId
 * @v lba	first block
 * @v size	BufferSize
 * @v buf	Buffer
 * @ret st	EFI_SUCCESS to go on, or the status to return
 */
static EFI_STATUS vs_bio_check(struct vs_efi_disk *d, UINT32 media_id,
			       EFI_LBA lba, UINTN size, const void *buf)
{
	EFI_BLOCK_IO_MEDIA *m = &d->media;
	UINT64 blocks;

	if (!m->MediaPresent)
		return EFI_NO_MEDIA;
	if (media_id != m->MediaId)
		return EFI_MEDIA_CHANGED;
	if (!buf)
		return EFI_INVALID_PARAMETER;
	if (size == 0)
		return EFI_SUCCESS;
	if (size % m->BlockSize)
		return EFI_BAD_BUFFER_SIZE;
	blocks = size / m->BlockSize;
	if (lba > m->LastBlock || blocks > m->LastBlock - lba + 1)
		return EFI_INVALID_PARAMETER;
	if (m->IoAlign > 1 && ((UINTN)buf & (m->IoAlign - 1)))
		return EFI_INVALID_PARAMETER;
	return EFI_SUCCESS;
}

/**
 * Reset the unit (Block I/O and Block I/O 2 Reset()): a LOGICAL UNIT
 * RESET.  A disk whose unit went away has nothing in flight and nothing
 * to reset: SUCCESS, without reaching the device.  (EDK2's Disk I/O
 * driver resets the Block I/O 2 below it before it stops, and fails to
 * stop when that fails: a pulled disk could then never be uninstalled.)
 * @v d		disk
 * @ret st	EFI_SUCCESS, or EFI_DEVICE_ERROR
 */
EFI_STATUS vs_efi_disk_reset(struct vs_efi_disk *d)
{
	EFI_TPL tpl;
	int rc = VS_OK;

	tpl = vs_bs->RaiseTPL(TPL_CALLBACK);
	if (d->unit)
		rc = vscsi_tmf(&d->ctrl->core, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
			       d->target, d->lun);
	vs_bs->RestoreTPL(tpl);
	return rc == VS_OK ? EFI_SUCCESS : EFI_DEVICE_ERROR;
}

/**
 * End a call that passed its checks: with a Block I/O 2 token that has an
 * event (§13.10.3), the outcome goes in TransactionStatus, the event is
 * signalled and the call itself succeeds; otherwise the call returns the
 * outcome.  Runs at TPL_CALLBACK, so the event's notification runs once
 * the call lowers the TPL again, after TransactionStatus is set.
 * @v token	Block I/O 2 token, or NULL
 * @v st	outcome
 * @ret st	what the call returns
 */
static EFI_STATUS vs_bio_done(EFI_BLOCK_IO2_TOKEN *token, EFI_STATUS st)
{
	if (!token || !token->Event)
		return st;
	token->TransactionStatus = st;
	vs_bs->SignalEvent(token->Event);
	return EFI_SUCCESS;
}

/**
 * Read or write (Block I/O and Block I/O 2): the checks of §13.9.3/4,
 * then the transfer.  A call that fails its checks returns the error and
 * signals nothing.
 * @v d		disk
 * @v write	direction
 * @v media_id	caller's MediaId
 * @v lba	first block
 * @v token	Block I/O 2 token, or NULL
 * @v size	bytes
 * @v buf	buffer
 * @ret st	EFI status
 */
EFI_STATUS vs_efi_disk_rw(struct vs_efi_disk *d, BOOLEAN write,
			  UINT32 media_id, EFI_LBA lba,
			  EFI_BLOCK_IO2_TOKEN *token, UINTN size, VOID *buf)
{
	struct scsi_disk *sd;
	UINT64 blocks;
	EFI_TPL tpl;
	EFI_STATUS st;
	int rc;

	tpl = vs_bs->RaiseTPL(TPL_CALLBACK);
	st = vs_bio_begin(d);
	if (!EFI_ERROR(st))
		st = vs_bio_check(d, media_id, lba, size, buf);
	if (!EFI_ERROR(st) && write && size && d->media.ReadOnly)
		st = EFI_WRITE_PROTECTED;
	if (EFI_ERROR(st) || size == 0) {
		if (!EFI_ERROR(st))
			st = vs_bio_done(token, st);
		vs_bs->RestoreTPL(tpl);
		return st;
	}
	/* a medium is present, so the unit is still there (vs_bio_check) */
	sd = &d->unit->disk;
	blocks = size / d->media.BlockSize;
	rc = write ? scsi_disk_write(sd, lba, blocks, buf)
		   : scsi_disk_read(sd, lba, blocks, buf);
	st = VS_EFI_MAP(vs_bio_status, rc, EFI_DEVICE_ERROR);
	if (rc == VS_E_PROTECTED) {
		vs_bio_fill_media(d);	/* the unit told us something new */
	} else if (rc == VS_E_NOMEDIA) {
		vs_efi_disk_changed(d);	/* the medium went: tell it now */
		st = vs_efi_disk_sync(d);
	} else if (rc == VS_E_NOTARGET) {
		scsi_inv_request_rescan(&d->ctrl->inv);	/* it went away */
	}
	st = vs_bio_done(token, st);
	vs_bs->RestoreTPL(tpl);
	if (rc != VS_OK)
		VS_CTRL_ERR(d->ctrl, "scsi %u:%u: %s LBA %llx x %llu failed (%d)",
			   d->target, d->lun, write ? "write" : "read",
			   (unsigned long long)lba, (unsigned long long)blocks, rc);
	return st;
}

/**
 * Flush (Block I/O and Block I/O 2): SYNCHRONIZE CACHE when the unit's
 * write cache holds something (scsi_disk_flush).
 * @v d		disk
 * @v token	Block I/O 2 token, or NULL
 * @ret st	EFI status
 */
EFI_STATUS vs_efi_disk_flush(struct vs_efi_disk *d, EFI_BLOCK_IO2_TOKEN *token)
{
	EFI_TPL tpl;
	EFI_STATUS st;

	tpl = vs_bs->RaiseTPL(TPL_CALLBACK);
	st = vs_bio_begin(d);
	if (!EFI_ERROR(st) && !d->media.MediaPresent)
		st = EFI_NO_MEDIA;
	if (!EFI_ERROR(st)) {
		/* a read-only medium has nothing cached for writing */
		if (!d->media.ReadOnly)
			st = VS_EFI_MAP(vs_bio_status,
					scsi_disk_flush(&d->unit->disk),
					EFI_DEVICE_ERROR);
		st = vs_bio_done(token, st);
	}
	vs_bs->RestoreTPL(tpl);
	return st;
}

/** §13.9.2 Reset(). */
static EFI_STATUS EFIAPI vs_bio_reset(EFI_BLOCK_IO *This,
				      BOOLEAN ExtendedVerification)
{
	(void)ExtendedVerification;
	return vs_efi_disk_reset(vs_bio_disk(This));
}

/** §13.9.3 ReadBlocks(). */
static EFI_STATUS EFIAPI vs_bio_read(EFI_BLOCK_IO *This, UINT32 MediaId,
				     EFI_LBA Lba, UINTN BufferSize, VOID *Buffer)
{
	return vs_efi_disk_rw(vs_bio_disk(This), FALSE, MediaId, Lba, NULL,
			      BufferSize, Buffer);
}

/** §13.9.4 WriteBlocks(). */
static EFI_STATUS EFIAPI vs_bio_write(EFI_BLOCK_IO *This, UINT32 MediaId,
				      EFI_LBA Lba, UINTN BufferSize,
				      VOID *Buffer)
{
	return vs_efi_disk_rw(vs_bio_disk(This), TRUE, MediaId, Lba, NULL,
			      BufferSize, Buffer);
}

/** §13.9.5 FlushBlocks(). */
static EFI_STATUS EFIAPI vs_bio_flush(EFI_BLOCK_IO *This)
{
	return vs_efi_disk_flush(vs_bio_disk(This), NULL);
}

/**
 * Fill a new child's protocols from its unit (nothing installed yet).
 * @v d		child: ctrl and unit set
 */
static void vs_efi_disk_init(struct vs_efi_disk *d)
{
	struct scsi_unit *u = d->unit;

	d->signature = VS_EFI_DISK_SIGNATURE;
	d->target = u->info.target;
	d->lun = u->info.lun;
	d->media.MediaId = 1;
	vs_bio_fill_media(d);
	vs_memcpy(d->inquiry, u->info.inquiry, sizeof(d->inquiry));
	vs_efi_disk_info_init(d);
	d->block_io = (EFI_BLOCK_IO){
		.Revision = EFI_BLOCK_IO_PROTOCOL_REVISION3,
		.Media = &d->media,
		.Reset = vs_bio_reset,
		.ReadBlocks = vs_bio_read,
		.WriteBlocks = vs_bio_write,
		.FlushBlocks = vs_bio_flush,
	};
	d->block_io2 = vs_efi_block_io2;
	d->block_io2.Media = &d->media;	/* shared with Block I/O */
	vs_efi_scsi_io_init(d);
}

/**
 * Create the Block I/O child of a listed unit with a disk.
 * @v ctrl	controller
 * @v u		the unit
 * @ret st	EFI_SUCCESS, or an error (nothing left behind)
 * @ret d	the child, or NULL
 */
struct vs_efi_disk *vs_efi_disk_create(struct vs_efi_ctrl *ctrl,
				       struct scsi_unit *u, EFI_STATUS *st)
{
	struct vs_efi_disk *d;
	VOID *pci_io;

	d = vs_efi_alloc(sizeof(*d));
	if (!d) {
		*st = EFI_OUT_OF_RESOURCES;
		return NULL;
	}
	d->ctrl = ctrl;
	d->unit = u;
	vs_efi_disk_init(d);
	*st = vs_efi_scsi_path(ctrl->dev_path, d->target, d->lun, &d->dev_path);
	if (EFI_ERROR(*st))
		goto err_path;
	*st = vs_bs->InstallMultipleProtocolInterfaces(&d->handle,
			&vs_efi_device_path_guid, d->dev_path,
			&vs_efi_block_io_guid, &d->block_io,
			&vs_efi_block_io2_guid, &d->block_io2,
			&vs_efi_scsi_io_guid, &d->scsi_io,
			&vs_efi_disk_info_guid, &d->disk_info, NULL);
	if (EFI_ERROR(*st))
		goto err_install;
	/* UEFI 2.10 §11.1: a child opens its parent's protocol BY_CHILD */
	*st = vs_bs->OpenProtocol(ctrl->handle, &vs_efi_pci_io_guid, &pci_io,
				  ctrl->driver, d->handle,
				  EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER);
	if (EFI_ERROR(*st))
		goto err_open_child;
	*st = vs_efi_disk_hold(d);
	if (EFI_ERROR(*st))
		goto err_hold;
	VS_CTRL_LOG(ctrl, "scsi %u:%u: %s, %s%llu blocks of %u%s%s", d->target,
		    d->lun, u->info.pdt == SCSI_PDT_CDROM ? "CD/DVD" : "disk",
		    d->media.MediaPresent ? "" : "no medium, ",
		    (unsigned long long)d->media.LastBlock + 1,
		    d->media.BlockSize, d->media.ReadOnly ? ", read-only" : "",
		    d->media.RemovableMedia ? ", removable" : "");
	return d;

err_hold:
	vs_bs->CloseProtocol(ctrl->handle, &vs_efi_pci_io_guid, ctrl->driver,
			     d->handle);
err_open_child:
	vs_bs->UninstallMultipleProtocolInterfaces(d->handle,
			&vs_efi_device_path_guid, d->dev_path,
			&vs_efi_block_io_guid, &d->block_io,
			&vs_efi_block_io2_guid, &d->block_io2,
			&vs_efi_scsi_io_guid, &d->scsi_io,
			&vs_efi_disk_info_guid, &d->disk_info, NULL);
err_install:
	vs_efi_free(d->dev_path);
err_path:
	vs_efi_free(d);
	return NULL;
}

/**
 * Uninstall a Block I/O child's handle and free it: the reverse of
 * vs_efi_disk_create.  Only at a point a caller started (Stop, a
 * ConnectController of the controller, unload): uninstalling disconnects
 * the drivers on the handle, which free their own children.
 * @v d		disk
 * @ret st	EFI_SUCCESS (d is freed), or an error if a consumer would
 *		not let go (the child then stays as it was)
 */
EFI_STATUS vs_efi_disk_destroy(struct vs_efi_disk *d)
{
	struct vs_efi_ctrl *ctrl = d->ctrl;
	VOID *pci_io;
	EFI_STATUS st;

	vs_efi_disk_release(d);
	vs_bs->CloseProtocol(ctrl->handle, &vs_efi_pci_io_guid, ctrl->driver, d->handle);
	st = vs_bs->UninstallMultipleProtocolInterfaces(d->handle,
			&vs_efi_device_path_guid, d->dev_path,
			&vs_efi_block_io_guid, &d->block_io,
			&vs_efi_block_io2_guid, &d->block_io2,
			&vs_efi_scsi_io_guid, &d->scsi_io,
			&vs_efi_disk_info_guid, &d->disk_info, NULL);
	if (EFI_ERROR(st)) {
		vs_bs->OpenProtocol(ctrl->handle, &vs_efi_pci_io_guid, &pci_io,
				 ctrl->driver, d->handle,
				 EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER);
		vs_efi_disk_hold(d);
		VS_CTRL_ERR(d->ctrl, "scsi %u:%u: still in use (%lx), kept", d->target,
			   d->lun, (unsigned long)st);
		return st;
	}
	VS_CTRL_LOG(d->ctrl, "scsi %u:%u: handle uninstalled", d->target, d->lun);
	vs_efi_free(d->dev_path);
	d->signature = 0;
	vs_efi_free(d);
	return EFI_SUCCESS;
}

/**
 * Hold the child's SCSI I/O BY_DRIVER under our driver-binding handle:
 * the child is then managed by us, and another SCSI disk driver that
 * layers on SCSI I/O (EDK2's ScsiDiskDxe) gets ACCESS_DENIED instead of
 * sending its commands and failing to add a second Block I/O.
 * @v d		disk
 * @ret st	EFI_SUCCESS, or EFI_ALREADY_STARTED when held already
 */
EFI_STATUS vs_efi_disk_hold(struct vs_efi_disk *d)
{
	VOID *iface;

	return vs_bs->OpenProtocol(d->handle, &vs_efi_scsi_io_guid, &iface,
				d->ctrl->driver, d->handle,
				EFI_OPEN_PROTOCOL_BY_DRIVER);
}

/**
 * Let go of the child's SCSI I/O (Stop of the child, or before it is
 * uninstalled).
 * @v d		disk
 */
void vs_efi_disk_release(struct vs_efi_disk *d)
{
	vs_bs->CloseProtocol(d->handle, &vs_efi_scsi_io_guid, d->ctrl->driver,
			  d->handle);
}

/**
 * Find our disk on a child handle.
 * @v child	handle
 * @v driver_handle	our driver-binding handle
 * @ret d	disk, or NULL when the handle is not one of ours
 */
struct vs_efi_disk *vs_efi_disk_from_handle(EFI_HANDLE child,
					    EFI_HANDLE driver_handle)
{
	EFI_BLOCK_IO *bio;
	struct vs_efi_disk *d;

	if (EFI_ERROR(vs_bs->OpenProtocol(child, &vs_efi_block_io_guid, (VOID **)&bio,
				       driver_handle, child,
				       EFI_OPEN_PROTOCOL_GET_PROTOCOL)))
		return NULL;
	if (bio->Reset != vs_bio_reset)
		return NULL;
	d = vs_bio_disk(bio);
	return d->signature == VS_EFI_DISK_SIGNATURE ? d : NULL;
}
