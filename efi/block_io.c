/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * EFI_BLOCK_IO_PROTOCOL (UEFI 2.10 §13.9) on one child handle per
 * direct-access logical unit, with device path controller + Scsi(Pun,Lun).
 *
 * Parameter checks follow §13.9 in the order the UEFI test suite expects:
 * media presence and MediaId first (a stale MediaId is reported even when
 * other parameters are also wrong), then buffer, size, range, alignment.
 */
#include "vscsi_efi.h"

static EFI_GUID vs_block_io_guid = BLOCK_IO_PROTOCOL;
static EFI_GUID vs_device_path_guid = DEVICE_PATH_PROTOCOL;
static EFI_GUID vs_pci_io_guid = EFI_PCI_IO_PROTOCOL_GUID;

static struct vs_efi_disk *vs_bio_disk(EFI_BLOCK_IO *This)
{
	return container_of(This, struct vs_efi_disk, block_io);
}

/**
 * Copy the disk's geometry into the Block I/O media (§13.9.1).
 * @v d		disk
 */
static void vs_bio_fill_media(struct vs_efi_disk *d)
{
	EFI_BLOCK_IO_MEDIA *m = &d->media;
	struct scsi_disk *sd = &d->disk;

	m->RemovableMedia = sd->removable;
	m->MediaPresent = sd->present;
	m->ReadOnly = sd->read_only;
	m->BlockSize = sd->present ? sd->block_size : 512;
	m->LastBlock = sd->present ? sd->last_lba : 0;
	m->IoAlign = VS_EFI_IO_ALIGN;
	m->LowestAlignedLba = sd->lowest_aligned;
	m->LogicalBlocksPerPhysicalBlock = 1u << sd->phys_exp;
	m->OptimalTransferLengthGranularity = sd->opt_granularity;
}

/**
 * Look for a changed medium before an I/O: on removable units always
 * (eject, insert), elsewhere when a unit attention said the medium or its
 * capacity changed.  A change gets a new MediaId and a reinstalled Block
 * I/O, so the partition and file system drivers above probe again
 * (UEFI 2.10 §13.9: "the MediaId ... changes whenever the media changes").
 * @v d		disk
 * @ret st	EFI_SUCCESS, or a device error
 */
static EFI_STATUS vs_bio_refresh(struct vs_efi_disk *d)
{
	int rc;

	if (!d->disk.removable && !(d->disk.events & (SCSI_EV_MEDIUM_CHANGED |
						       SCSI_EV_CAPACITY_CHANGED)))
		return EFI_SUCCESS;
	rc = scsi_disk_check_media(&d->disk);
	if (rc < 0)
		return vs_efi_status(rc);
	if (rc == SCSI_MEDIA_CHANGED)
		vs_efi_disk_media_changed(d);
	return EFI_SUCCESS;
}

/**
 * Publish a new medium: new MediaId and geometry at once; the Block I/O
 * is reinstalled (so partition and file system drivers probe again) from
 * the controller's timer, never inside an I/O: a reinstall there would
 * restart the very drivers whose read brought us here.
 * @v d		disk
 */
void vs_efi_disk_media_changed(struct vs_efi_disk *d)
{
	d->media.MediaId++;
	vs_bio_fill_media(d);
	VS_EFI_LOG("scsi %u:%u: medium changed: %s, %llu blocks of %u",
		   d->disk.target, d->disk.lun,
		   d->media.MediaPresent ? "present" : "none",
		   (unsigned long long)d->media.LastBlock + 1, d->media.BlockSize);
	d->reinstall = TRUE;
	vs_efi_hotplug_kick(d->ctrl);
}

/**
 * Reinstall the Block I/O of a disk whose medium changed (timer context),
 * when there is a medium: the drivers above then find what is on it.
 * An eject is not reinstalled: the drivers above keep their handles and
 * get NO_MEDIA / MEDIA_CHANGED; re-binding them on an empty drive and
 * again on the next disc crashed Debian's OVMF 2022.11 (#GP executing
 * freed pool), where one reinstall on the new disc works.
 * @v d		disk
 */
void vs_efi_disk_reinstall(struct vs_efi_disk *d)
{
	if (!d->reinstall || !d->media.MediaPresent)
		return;
	d->reinstall = FALSE;
	BS->ReinstallProtocolInterface(d->handle, &vs_block_io_guid,
				       &d->block_io, &d->block_io);
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

/** §13.9.2 Reset(): a LOGICAL UNIT RESET of the unit. */
static EFI_STATUS EFIAPI vs_bio_reset(EFI_BLOCK_IO *This,
				      BOOLEAN ExtendedVerification)
{
	struct vs_efi_disk *d = vs_bio_disk(This);
	EFI_TPL tpl;
	int rc;

	(void)ExtendedVerification;
	tpl = BS->RaiseTPL(TPL_CALLBACK);
	rc = vscsi_tmf(&d->ctrl->core, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
		       d->disk.target, d->disk.lun);
	BS->RestoreTPL(tpl);
	return rc == VS_OK ? EFI_SUCCESS : EFI_DEVICE_ERROR;
}

/**
 * Read or write after the checks.
 * @v d		disk
 * @v write	direction
 * @v media_id	caller's MediaId
 * @v lba	first block
 * @v size	bytes
 * @v buf	buffer
 * @ret st	EFI status
 */
static EFI_STATUS vs_bio_rw(struct vs_efi_disk *d, BOOLEAN write,
			    UINT32 media_id, EFI_LBA lba, UINTN size, VOID *buf)
{
	UINT64 blocks;
	EFI_TPL tpl;
	EFI_STATUS st;
	int rc;

	tpl = BS->RaiseTPL(TPL_CALLBACK);
	st = vs_bio_refresh(d);
	if (!EFI_ERROR(st))
		st = vs_bio_check(d, media_id, lba, size, buf);
	if (EFI_ERROR(st) || size == 0) {
		BS->RestoreTPL(tpl);
		return st;
	}
	if (write && d->media.ReadOnly) {
		BS->RestoreTPL(tpl);
		return EFI_WRITE_PROTECTED;
	}
	blocks = size / d->media.BlockSize;
	rc = write ? scsi_disk_write(&d->disk, lba, blocks, buf)
		   : scsi_disk_read(&d->disk, lba, blocks, buf);
	if (rc == VS_E_PROTECTED)
		vs_bio_fill_media(d);	/* the unit told us something new */
	else if (rc == VS_E_NOMEDIA)
		vs_efi_disk_media_changed(d);
	BS->RestoreTPL(tpl);
	if (d->disk.events & SCSI_EV_LUNS_CHANGED) {
		/* REPORTED LUNS DATA HAS CHANGED: the timer rescans */
		d->disk.events &= ~SCSI_EV_LUNS_CHANGED;
		d->ctrl->rescan = TRUE;
		vs_efi_hotplug_kick(d->ctrl);
	}
	if (rc != VS_OK)
		VS_EFI_ERR("scsi %u:%u: %s LBA %llx x %llu failed (%d)",
			   d->disk.target, d->disk.lun, write ? "write" : "read",
			   (unsigned long long)lba, (unsigned long long)blocks, rc);
	/* §13.9.3/4 allow no other failure than these for a sent request */
	switch (rc) {
	case VS_OK: return EFI_SUCCESS;
	case VS_E_NOMEDIA: return EFI_NO_MEDIA;
	case VS_E_PROTECTED: return EFI_WRITE_PROTECTED;
	default: return EFI_DEVICE_ERROR;
	}
}

/** §13.9.3 ReadBlocks(). */
static EFI_STATUS EFIAPI vs_bio_read(EFI_BLOCK_IO *This, UINT32 MediaId,
				     EFI_LBA Lba, UINTN BufferSize, VOID *Buffer)
{
	return vs_bio_rw(vs_bio_disk(This), FALSE, MediaId, Lba, BufferSize,
			 Buffer);
}

/** §13.9.4 WriteBlocks(). */
static EFI_STATUS EFIAPI vs_bio_write(EFI_BLOCK_IO *This, UINT32 MediaId,
				      EFI_LBA Lba, UINTN BufferSize,
				      VOID *Buffer)
{
	return vs_bio_rw(vs_bio_disk(This), TRUE, MediaId, Lba, BufferSize,
			 Buffer);
}

/** §13.9.5 FlushBlocks(): SYNCHRONIZE CACHE. */
static EFI_STATUS EFIAPI vs_bio_flush(EFI_BLOCK_IO *This)
{
	struct vs_efi_disk *d = vs_bio_disk(This);
	EFI_TPL tpl;
	int rc;

	tpl = BS->RaiseTPL(TPL_CALLBACK);
	if (EFI_ERROR(vs_bio_refresh(d)) || !d->media.MediaPresent) {
		BS->RestoreTPL(tpl);
		return d->media.MediaPresent ? EFI_DEVICE_ERROR : EFI_NO_MEDIA;
	}
	if (d->media.ReadOnly) {
		BS->RestoreTPL(tpl);
		return EFI_SUCCESS;	/* nothing can be cached for writing */
	}
	rc = scsi_disk_flush(&d->disk);
	BS->RestoreTPL(tpl);
	return vs_efi_status(rc);
}

/**
 * Create the Block I/O child of a unit found by the scan.
 * @v ctrl	controller
 * @v index	index in ctrl->luns
 * @v driver_handle	our driver-binding handle
 * @ret st	EFI_SUCCESS, or an error (nothing left behind)
 */
EFI_STATUS vs_efi_disk_create(struct vs_efi_ctrl *ctrl, UINTN index,
			      EFI_HANDLE driver_handle)
{
	const struct scsi_lun_info *info = &ctrl->luns[index];
	struct vs_efi_disk *d;
	VOID *pci_io;
	EFI_STATUS st;
	int rc;

	d = AllocateZeroPool(sizeof(*d));
	if (!d)
		return EFI_OUT_OF_RESOURCES;
	d->signature = VS_EFI_DISK_SIGNATURE;
	d->ctrl = ctrl;
	rc = scsi_disk_open(&d->disk, &ctrl->core, info);
	if (rc != VS_OK && rc != VS_E_NOMEDIA) {
		st = vs_efi_status(rc);
		goto err_open;
	}
	d->media.MediaId = 1;
	vs_bio_fill_media(d);
	CopyMem(d->inquiry, info->inquiry, sizeof(d->inquiry));
	vs_efi_disk_info_init(d);
	d->block_io = (EFI_BLOCK_IO){
		.Revision = EFI_BLOCK_IO_PROTOCOL_REVISION3,
		.Media = &d->media,
		.Reset = vs_bio_reset,
		.ReadBlocks = vs_bio_read,
		.WriteBlocks = vs_bio_write,
		.FlushBlocks = vs_bio_flush,
	};
	st = vs_efi_scsi_path(ctrl, info->target, info->lun, &d->dev_path);
	if (EFI_ERROR(st))
		goto err_path;
	st = BS->InstallMultipleProtocolInterfaces(&d->handle,
			&vs_device_path_guid, d->dev_path,
			&vs_block_io_guid, &d->block_io,
			&vs_efi_disk_info_guid, &d->disk_info, NULL);
	if (EFI_ERROR(st))
		goto err_install;
	/* UEFI 2.10 §11.1: a child opens its parent's protocol BY_CHILD */
	st = BS->OpenProtocol(ctrl->handle, &vs_pci_io_guid, &pci_io,
			      driver_handle, d->handle,
			      EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER);
	if (EFI_ERROR(st))
		goto err_open_child;
	ctrl->disks[index] = d;
	VS_EFI_LOG("scsi %u:%u: %s, %s%llu blocks of %u%s%s", info->target,
		   info->lun, info->pdt == SCSI_PDT_CDROM ? "CD/DVD" : "disk",
		   d->media.MediaPresent ? "" : "no medium, ",
		   (unsigned long long)d->media.LastBlock + 1,
		   d->media.BlockSize, d->media.ReadOnly ? ", read-only" : "",
		   d->media.RemovableMedia ? ", removable" : "");
	return EFI_SUCCESS;

err_open_child:
	BS->UninstallMultipleProtocolInterfaces(d->handle,
			&vs_device_path_guid, d->dev_path,
			&vs_block_io_guid, &d->block_io,
			&vs_efi_disk_info_guid, &d->disk_info, NULL);
err_install:
	FreePool(d->dev_path);
err_path:
err_open:
	FreePool(d);
	return st;
}

/**
 * Remove a Block I/O child; the reverse of vs_efi_disk_create.
 * @v d		disk
 * @v driver_handle	our driver-binding handle
 * @ret st	EFI_SUCCESS, or an error if a consumer would not let go
 *		(the child then stays as it was)
 */
EFI_STATUS vs_efi_disk_destroy(struct vs_efi_disk *d, EFI_HANDLE driver_handle)
{
	struct vs_efi_ctrl *ctrl = d->ctrl;
	VOID *pci_io;
	EFI_STATUS st;
	UINTN i;

	BS->CloseProtocol(ctrl->handle, &vs_pci_io_guid, driver_handle, d->handle);
	st = BS->UninstallMultipleProtocolInterfaces(d->handle,
			&vs_device_path_guid, d->dev_path,
			&vs_block_io_guid, &d->block_io,
			&vs_efi_disk_info_guid, &d->disk_info, NULL);
	if (EFI_ERROR(st)) {
		BS->OpenProtocol(ctrl->handle, &vs_pci_io_guid, &pci_io,
				 driver_handle, d->handle,
				 EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER);
		return st;
	}
	for (i = 0; i < ctrl->nluns; i++)
		if (ctrl->disks[i] == d)
			ctrl->disks[i] = NULL;
	FreePool(d->dev_path);
	d->signature = 0;
	FreePool(d);
	return EFI_SUCCESS;
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

	if (EFI_ERROR(BS->OpenProtocol(child, &vs_block_io_guid, (VOID **)&bio,
				       driver_handle, child,
				       EFI_OPEN_PROTOCOL_GET_PROTOCOL)))
		return NULL;
	if (bio->Reset != vs_bio_reset)
		return NULL;
	d = vs_bio_disk(bio);
	return d->signature == VS_EFI_DISK_SIGNATURE ? d : NULL;
}
