/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The driver's private statistics protocol (uefi/vscsi_stats.h).
 */
#include "vscsi_efi.h"


/** GetStats(): the controller's counters. */
static EFI_STATUS EFIAPI vs_stats_get(VSCSI_STATS_PROTOCOL *This,
				      VSCSI_STATS *Stats)
{
	struct vs_efi_ctrl *ctrl = vs_container_of(This, struct vs_efi_ctrl, stats);

	if (!Stats)
		return EFI_INVALID_PARAMETER;
	Stats->Requests = ctrl->core.requests;
	Stats->Notifications = ctrl->core.reqq->notifications;
	Stats->Resets = ctrl->core.resets;
	return EFI_SUCCESS;
}

/** GetLog(): the driver's log (uefi/vscsi_stats.h). */
static EFI_STATUS EFIAPI vs_stats_get_log(VSCSI_STATS_PROTOCOL *This,
					  UINTN *Size, CHAR8 *Buffer)
{
	UINTN need;

	(void)This;
	if (!Size || (!Buffer && *Size))
		return EFI_INVALID_PARAMETER;
	need = vs_efi_log_copy(Buffer ? (char *)Buffer : NULL, *Size) + 1;
	if (need > *Size) {
		*Size = need;
		return EFI_BUFFER_TOO_SMALL;
	}
	*Size = need;
	return EFI_SUCCESS;
}

/**
 * Fill a controller's statistics protocol.
 * @v ctrl	controller
 */
void vs_efi_stats_init(struct vs_efi_ctrl *ctrl)
{
	ctrl->stats.Revision = VSCSI_STATS_REVISION;
	ctrl->stats.GetStats = vs_stats_get;
	ctrl->stats.GetLog = vs_stats_get_log;
}
