/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * EFI_DRIVER_DIAGNOSTICS2_PROTOCOL (UEFI 2.10 §11.4): a standard test of
 * a controller we manage (its device status, the device's view of its
 * queues, a TEST UNIT READY round trip on the request queue) and of one
 * of its disks (INQUIRY, READ CAPACITY, a read of LBA 0), so the Shell's
 * `drvdiag` reports what the hardware really does.  Each test says what
 * it did in the returned text, line by line.
 */
#include "vscsi_efi.h"
#include "uefi/driver_diagnostics.h"

/** ErrorType of our results: Buffer is lines of English text. */
static EFI_GUID vs_diag_text_guid =
	{ 0x7d5e3a1c, 0x44b2, 0x4f0e, { 0xa9, 0x61, 0x2c, 0x8f, 0x15, 0xd0, 0x6b, 0x93 } };

/** Room for a result's text, in characters. */
#define VS_DIAG_TEXT 512

/** A result being written. */
struct vs_diag {
	char text[VS_DIAG_TEXT];
	UINTN len;
	BOOLEAN failed;
};

/** Append one line to a result; a failed step marks the whole. */
static void vs_diag_line(struct vs_diag *r, BOOLEAN ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void vs_diag_line(struct vs_diag *r, BOOLEAN ok, const char *fmt, ...)
{
	__builtin_va_list ap;

	if (!ok)
		r->failed = TRUE;
	__builtin_va_start(ap, fmt);
	r->len += vs_vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	__builtin_va_end(ap);
	if (r->len >= sizeof(r->text) - 2)
		r->len = sizeof(r->text) - 2;
	r->text[r->len++] = '\n';
	r->text[r->len] = '\0';
}

/**
 * The controller's test: device status, the queues as the device holds
 * them, and one request's round trip.
 * @v ctrl	controller
 * @v r		result
 */
static void vs_diag_controller(struct vs_efi_ctrl *ctrl, struct vs_diag *r)
{
	static const uint8_t tur[6] = { SCSI_OP_TEST_UNIT_READY };
	struct vscsi_ctrl *c = &ctrl->core;
	struct vscsi_cmd cmd = { .cdb = tur, .cdb_len = sizeof(tur),
				 .timeout_us = 1000000 };
	uint8_t status = vp_get_status(&c->vp);
	unsigned q, live = 0;
	uint64_t t0;
	int rc;

	vs_diag_line(r, (status & VIRTIO_STATUS_DRIVER_OK) &&
		     !(status & (VIRTIO_STATUS_FAILED | VIRTIO_STATUS_NEEDS_RESET)),
		     "device status %02x: %s", status,
		     status & VIRTIO_STATUS_NEEDS_RESET ? "needs a reset" :
		     status & VIRTIO_STATUS_FAILED ? "failed" :
		     status & VIRTIO_STATUS_DRIVER_OK ? "driver ok" : "not running");
	for (q = 0; q < VIRTIO_SCSI_VQ_REQUEST + 1; q++)
		live += vp_queue_live(&c->vp, q);
	vs_diag_line(r, live == VIRTIO_SCSI_VQ_REQUEST + 1,
		     "queues the device holds live: %u of %u (control, event, "
		     "request)", live, VIRTIO_SCSI_VQ_REQUEST + 1);
	/* to the first unit listed, else to 0:0 (an answer is a round trip) */
	if (scsi_inv_count(&ctrl->inv)) {
		cmd.target = scsi_inv_at(&ctrl->inv, 0)->info.target;
		cmd.lun = scsi_inv_at(&ctrl->inv, 0)->info.lun;
	}
	t0 = vs_now_us(&ctrl->plat.base);
	rc = vscsi_exec(c, &cmd);
	vs_diag_line(r, rc == VS_OK, "TEST UNIT READY to %u:%u: %s, %llu us",
		     cmd.target, cmd.lun, rc == VS_OK ? "answered" : "no answer",
		     (unsigned long long)(vs_now_us(&ctrl->plat.base) - t0));
}

/**
 * A disk's test: INQUIRY, READ CAPACITY, a read of LBA 0.
 * @v d		child
 * @v r		result
 */
static void vs_diag_disk(struct vs_efi_disk *d, struct vs_diag *r)
{
	struct scsi_lun_info info;
	struct scsi_disk *disk;
	UINT8 *buf;
	int rc;

	if (!d->unit || !d->unit->has_disk) {
		vs_diag_line(r, FALSE, "unit %u:%u: gone", d->target, d->lun);
		return;
	}
	disk = &d->unit->disk;
	rc = scsi_inquiry(disk->c, d->target, d->lun, &info);
	vs_diag_line(r, rc == VS_OK && info.pdt == disk->pdt,
		     "INQUIRY %u:%u: %s, peripheral type %02x", d->target, d->lun,
		     rc == VS_OK ? "answered" : "failed", info.pdt);
	rc = scsi_read_capacity(disk);
	if (rc == VS_E_NOMEDIA) {
		vs_diag_line(r, TRUE, "READ CAPACITY: no medium (nothing to read)");
		return;
	}
	vs_diag_line(r, rc == VS_OK, "READ CAPACITY: %s, %llu blocks of %u",
		     rc == VS_OK ? "answered" : "failed",
		     (unsigned long long)disk->last_lba + 1, disk->block_size);
	if (rc != VS_OK)
		return;
	buf = AllocateZeroPool(disk->block_size);
	if (!buf) {
		vs_diag_line(r, FALSE, "read of LBA 0: out of memory");
		return;
	}
	rc = scsi_disk_read(disk, 0, 1, buf);
	vs_diag_line(r, rc == VS_OK, "read of LBA 0: %s",
		     rc == VS_OK ? "read" : "failed");
	FreePool(buf);
}

/**
 * RunDiagnostics() (§11.4.1).
 * @ret st	EFI_SUCCESS (passed), EFI_DEVICE_ERROR (failed: ErrorType
 *		and Buffer say how), EFI_INVALID_PARAMETER, EFI_UNSUPPORTED
 *		(not ours, not a standard test, not English),
 *		EFI_OUT_OF_RESOURCES
 */
static EFI_STATUS EFIAPI
vs_run_diagnostics(EFI_DRIVER_DIAGNOSTICS2_PROTOCOL *This,
		   EFI_HANDLE ControllerHandle, EFI_HANDLE ChildHandle,
		   EFI_DRIVER_DIAGNOSTIC_TYPE DiagnosticType, CHAR8 *Language,
		   EFI_GUID **ErrorType, UINTN *BufferSize, CHAR16 **Buffer)
{
	struct vs_efi_ctrl *ctrl;
	struct vs_efi_disk *d = NULL;
	struct vs_diag *r;
	EFI_TPL tpl;
	UINTN i;

	if (!ControllerHandle || !Language || !ErrorType || !BufferSize ||
	    !Buffer)
		return EFI_INVALID_PARAMETER;
	ctrl = vs_efi_managed_ctrl(ControllerHandle);
	if (!ctrl)
		return EFI_UNSUPPORTED;
	if (ChildHandle) {
		d = vs_efi_disk_from_handle(ChildHandle, ctrl->driver);
		if (!d || d->ctrl != ctrl)
			return EFI_UNSUPPORTED;
	}
	/* only the standard test: it is quick and changes nothing */
	if (DiagnosticType != EfiDriverDiagnosticTypeStandard ||
	    !vs_efi_language_ok(This->SupportedLanguages, Language))
		return EFI_UNSUPPORTED;
	if (ctrl->exited)
		return EFI_DEVICE_ERROR;
	r = AllocateZeroPool(sizeof(*r));
	if (!r)
		return EFI_OUT_OF_RESOURCES;
	/* as Stop does: the timer's work cannot run meanwhile */
	tpl = BS->RaiseTPL(TPL_CALLBACK);
	if (d)
		vs_diag_disk(d, r);
	else
		vs_diag_controller(ctrl, r);
	BS->RestoreTPL(tpl);
	*Buffer = AllocateZeroPool((r->len + 1) * sizeof(CHAR16));
	if (!*Buffer) {
		FreePool(r);
		return EFI_OUT_OF_RESOURCES;
	}
	for (i = 0; i < r->len; i++)
		(*Buffer)[i] = (CHAR16)(UINT8)r->text[i];
	*BufferSize = (r->len + 1) * sizeof(CHAR16);	/* bytes, with the NUL */
	*ErrorType = &vs_diag_text_guid;
	VS_EFI_LOG("diagnostics of %s: %s", d ? "a disk" : "the controller",
		   r->failed ? "failed" : "passed");
	i = r->failed;
	FreePool(r);
	return i ? EFI_DEVICE_ERROR : EFI_SUCCESS;
}

EFI_DRIVER_DIAGNOSTICS2_PROTOCOL vs_efi_diagnostics2 = {
	vs_run_diagnostics, (CHAR8 *)"en",
};

/** §11.6: the UEFI version this driver was written for. */
EFI_DRIVER_SUPPORTED_EFI_VERSION_PROTOCOL vs_efi_supported_version = {
	sizeof(EFI_DRIVER_SUPPORTED_EFI_VERSION_PROTOCOL),
	EFI_2_10_SYSTEM_TABLE_REVISION,
};
