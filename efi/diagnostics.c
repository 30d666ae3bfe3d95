/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * EFI_DRIVER_DIAGNOSTICS2_PROTOCOL (UEFI 2.10 §11.4): the core's
 * self-tests of a controller we manage (its device status, the device's
 * view of its queues, a TEST UNIT READY round trip) and of one of its
 * disks (INQUIRY, READ CAPACITY, a read of LBA 0), so the Shell's
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

/** Append one line to a result. */
static void vs_diag_line(struct vs_diag *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void vs_diag_line(struct vs_diag *r, const char *fmt, ...)
{
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	r->len += vs_vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	__builtin_va_end(ap);
	if (r->len >= sizeof(r->text) - 2)
		r->len = sizeof(r->text) - 2;
	r->text[r->len++] = '\n';
	r->text[r->len] = '\0';
}

/**
 * The controller's test (scsi_inv_self_test), as text.
 * @v ctrl	controller
 * @v r		result
 */
static void vs_diag_controller(struct vs_efi_ctrl *ctrl, struct vs_diag *r)
{
	struct vscsi_health h;

	r->failed = !scsi_inv_self_test(&ctrl->inv, &h);
	vs_diag_line(r, "device status %02x: %s", h.status,
		     h.status & VIRTIO_STATUS_NEEDS_RESET ? "needs a reset" :
		     h.status & VIRTIO_STATUS_FAILED ? "failed" :
		     h.status & VIRTIO_STATUS_DRIVER_OK ? "driver ok" : "not running");
	vs_diag_line(r, "queues the device holds live: %u of %u (control, event, "
		     "request)", h.queues_live, VSCSI_QUEUES);
	vs_diag_line(r, "TEST UNIT READY to %u:%u: %s, %llu us", h.target, h.lun,
		     h.tur_rc == VS_OK ? "answered" : "no answer",
		     (unsigned long long)h.tur_us);
}

/**
 * A disk's test (scsi_disk_self_test), as text.
 * @v d		child
 * @v r		result
 */
static void vs_diag_disk(struct vs_efi_disk *d, struct vs_diag *r)
{
	struct scsi_disk_health h;
	struct scsi_disk *disk;
	UINT8 *buf;

	if (!d->unit || !d->unit->has_disk) {
		r->failed = TRUE;
		vs_diag_line(r, "unit %u:%u: gone", d->target, d->lun);
		return;
	}
	disk = &d->unit->disk;
	buf = vs_efi_alloc(disk->block_size ? disk->block_size : 1);
	if (!buf) {
		r->failed = TRUE;
		vs_diag_line(r, "out of memory");
		return;
	}
	r->failed = !scsi_disk_self_test(disk, buf, &h);
	vs_efi_free(buf);
	vs_diag_line(r, "INQUIRY %u:%u: %s, peripheral type %02x", d->target,
		     d->lun, h.inquiry_rc == VS_OK ? "answered" : "failed", h.pdt);
	if (h.capacity_rc == VS_E_NOMEDIA)
		vs_diag_line(r, "READ CAPACITY: no medium (nothing to read)");
	else
		vs_diag_line(r, "READ CAPACITY: %s, %llu blocks of %u%s",
			     h.capacity_rc == VS_OK ? "answered" : "failed",
			     (unsigned long long)h.blocks, h.block_size,
			     h.changed ? " (changed: not read)" : "");
	if (h.capacity_rc == VS_OK && !h.changed)
		vs_diag_line(r, "read of LBA 0: %s",
			     h.read_rc == VS_OK ? "read" : "failed");
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
	if (ctrl->core.stopped)	/* ExitBootServices ran */
		return EFI_DEVICE_ERROR;
	r = vs_efi_alloc(sizeof(*r));
	if (!r)
		return EFI_OUT_OF_RESOURCES;
	/* as Stop does: the timer's work cannot run meanwhile */
	tpl = vs_bs->RaiseTPL(TPL_CALLBACK);
	if (d)
		vs_diag_disk(d, r);
	else
		vs_diag_controller(ctrl, r);
	vs_bs->RestoreTPL(tpl);
	*Buffer = vs_efi_alloc((r->len + 1) * sizeof(CHAR16));
	if (!*Buffer) {
		vs_efi_free(r);
		return EFI_OUT_OF_RESOURCES;
	}
	for (i = 0; i < r->len; i++)
		(*Buffer)[i] = (CHAR16)(UINT8)r->text[i];
	*BufferSize = (r->len + 1) * sizeof(CHAR16);	/* bytes, with the NUL */
	*ErrorType = &vs_diag_text_guid;
	VS_CTRL_LOG(ctrl, "diagnostics of %s: %s",
		    d ? "a disk" : "the controller", r->failed ? "failed" : "passed");
	i = r->failed;
	vs_efi_free(r);
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
