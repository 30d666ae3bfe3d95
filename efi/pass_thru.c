/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * EFI_EXT_SCSI_PASS_THRU_PROTOCOL (UEFI 2.10 §15.7) on the controller.
 *
 * Target IDs are one byte (Target[0]; the other 15 bytes must be zero)
 * and LUNs 0-max_lun, the range virtio-scsi can address (virtio 1.2
 * §5.6.6.1).  The controller's unit inventory is "the list of legal
 * Target IDs and LUNs" (§15.7.3): every function answers from it, and an
 * address outside it is refused before anything reaches the device.
 */
#include "vscsi_efi.h"


static struct vs_efi_ctrl *vs_pt_ctrl(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *This)
{
	return vs_container_of(This, struct vs_efi_ctrl, pass_thru);
}

/** Tell whether a Target ID array is all 0xFF ("give me the first"). */
static BOOLEAN vs_pt_target_is_first(const UINT8 *target)
{
	UINTN i;

	for (i = 0; i < TARGET_MAX_BYTES; i++)
		if (target[i] != 0xFF)
			return FALSE;
	return TRUE;
}

/**
 * Decode a Target ID and LUN of a listed unit.
 * @v ctrl	controller
 * @v target	Target ID array
 * @v lun	LUN
 * @ret pos	the unit's position in the inventory, or -1 when the
 *		address is not in the legal list
 */
static int vs_pt_lookup(struct vs_efi_ctrl *ctrl, const UINT8 *target,
			UINT64 lun)
{
	UINTN i;

	for (i = 1; i < TARGET_MAX_BYTES; i++)
		if (target[i])
			return -1;
	if (lun > VIRTIO_SCSI_MAX_LUN)
		return -1;
	return scsi_inv_index(&ctrl->inv, target[0], (UINT16)lun);
}

static void vs_pt_encode_target(UINT8 *target, UINT8 t)
{
	vs_memset(target, 0, TARGET_MAX_BYTES);
	target[0] = t;
}

/** Tell whether a buffer meets the IoAlign of the Mode. */
static BOOLEAN vs_pt_aligned(struct vs_efi_ctrl *ctrl, const void *buf)
{
	UINT32 align = ctrl->mode.IoAlign;

	return align <= 1 || ((UINTN)buf & (align - 1)) == 0;
}

/**
 * Check a request packet and turn it into a core command (§15.7.2).
 * @v ctrl	controller
 * @v p		packet
 * @v cmd	command to fill (target and LUN already set)
 * @ret st	EFI_SUCCESS, EFI_INVALID_PARAMETER or EFI_UNSUPPORTED
 */
static EFI_STATUS vs_pt_packet_to_cmd(struct vs_efi_ctrl *ctrl,
				      EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET *p,
				      struct vscsi_cmd *cmd)
{
	BOOLEAN in = p->DataDirection != EFI_EXT_SCSI_DATA_DIRECTION_WRITE;
	BOOLEAN out = p->DataDirection != EFI_EXT_SCSI_DATA_DIRECTION_READ;

	if (p->DataDirection > EFI_EXT_SCSI_DATA_DIRECTION_BIDIRECTIONAL ||
	    !p->Cdb || p->CdbLength == 0 ||
	    (in && p->InTransferLength && !p->InDataBuffer) ||
	    (out && p->OutTransferLength && !p->OutDataBuffer) ||
	    (p->SenseDataLength && !p->SenseData))
		return EFI_INVALID_PARAMETER;
	if ((in && p->InTransferLength && !vs_pt_aligned(ctrl, p->InDataBuffer)) ||
	    (out && p->OutTransferLength && !vs_pt_aligned(ctrl, p->OutDataBuffer)) ||
	    (p->SenseDataLength && !vs_pt_aligned(ctrl, p->SenseData)))
		return EFI_INVALID_PARAMETER;
	cmd->cdb = p->Cdb;
	cmd->cdb_len = p->CdbLength;
	if (in) {
		cmd->data_in = p->InDataBuffer;
		cmd->in_len = p->InTransferLength;
	}
	if (out) {
		cmd->data_out = p->OutDataBuffer;
		cmd->out_len = p->OutTransferLength;
	}
	cmd->sense = p->SenseData;
	cmd->sense_cap = p->SenseDataLength;
	/* Timeout is in 100 ns units; 0 (forever) gets the core's default */
	cmd->timeout_us = (p->Timeout + 9) / 10;
	return EFI_SUCCESS;
}

/** §15.7.2 HostAdapterStatus and status for each virtio response. */
static const struct {
	UINT8 response;		/**< VIRTIO_SCSI_S_* */
	UINT8 host_status;	/**< EFI_EXT_SCSI_STATUS_HOST_ADAPTER_* */
	EFI_STATUS st;
} vs_pt_responses[] = {
	{ VIRTIO_SCSI_S_OK, EFI_EXT_SCSI_STATUS_HOST_ADAPTER_OK, EFI_SUCCESS },
	/* an absent device is a selection timeout */
	{ VIRTIO_SCSI_S_BAD_TARGET, EFI_EXT_SCSI_STATUS_HOST_ADAPTER_TIMEOUT_COMMAND,
	  EFI_TIMEOUT },
	{ VIRTIO_SCSI_S_INCORRECT_LUN, EFI_EXT_SCSI_STATUS_HOST_ADAPTER_TIMEOUT_COMMAND,
	  EFI_TIMEOUT },
	{ VIRTIO_SCSI_S_OVERRUN, EFI_EXT_SCSI_STATUS_HOST_ADAPTER_DATA_OVERRUN_UNDERRUN,
	  EFI_DEVICE_ERROR },
	{ VIRTIO_SCSI_S_RESET, EFI_EXT_SCSI_STATUS_HOST_ADAPTER_BUS_RESET,
	  EFI_DEVICE_ERROR },
	{ VIRTIO_SCSI_S_TRANSPORT_FAILURE, EFI_EXT_SCSI_STATUS_HOST_ADAPTER_BUS_FREE,
	  EFI_DEVICE_ERROR },
	/* the rest (ABORTED, BUSY, TARGET/NEXUS FAILURE, FAILURE): OTHER */
};

/**
 * Report a completed command in the packet (§15.7.2 status fields).
 * @v p		packet
 * @v cmd	command with its outcome
 * @ret st	EFI status of PassThru
 */
static EFI_STATUS vs_pt_report(EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET *p,
			       const struct vscsi_cmd *cmd)
{
	UINTN i;

	p->InTransferLength = cmd->in_done;
	p->OutTransferLength = cmd->out_done;
	p->SenseDataLength = cmd->sense_len;
	p->TargetStatus = cmd->status;
	for (i = 0; i < sizeof(vs_pt_responses) / sizeof(vs_pt_responses[0]); i++) {
		if (vs_pt_responses[i].response == cmd->response) {
			p->HostAdapterStatus = vs_pt_responses[i].host_status;
			return vs_pt_responses[i].st;
		}
	}
	p->HostAdapterStatus = EFI_EXT_SCSI_STATUS_HOST_ADAPTER_OTHER;
	return EFI_DEVICE_ERROR;
}

/** §15.7.2 PassThru's statuses for a request that did not complete. */
static const struct vs_efi_status_map vs_pt_exec_map[] = {
	{ VS_E_BADSIZE, EFI_BAD_BUFFER_SIZE },
	{ VS_E_TIMEOUT, EFI_TIMEOUT },
	{ VS_E_INVAL, EFI_INVALID_PARAMETER },
	{ VS_E_UNSUPPORTED, EFI_UNSUPPORTED },
};

/** §15.7.2 PassThru(): blocking I/O (Event is ignored: no NONBLOCKIO). */
static EFI_STATUS EFIAPI
vs_pt_pass_thru(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *This, UINT8 *Target,
		UINT64 Lun, EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET *Packet,
		EFI_EVENT Event)
{
	struct vs_efi_ctrl *ctrl = vs_pt_ctrl(This);
	struct vscsi_cmd cmd = { 0 };
	EFI_TPL tpl;
	EFI_STATUS st;
	int rc;

	(void)Event;
	if (!Target || !Packet || vs_pt_lookup(ctrl, Target, Lun) < 0)
		return EFI_INVALID_PARAMETER;
	cmd.target = Target[0];
	cmd.lun = (uint16_t)Lun;
	st = vs_pt_packet_to_cmd(ctrl, Packet, &cmd);
	if (EFI_ERROR(st))
		return st;

	tpl = vs_bs->RaiseTPL(TPL_CALLBACK);
	rc = vscsi_exec(&ctrl->core, &cmd);
	vs_efi_defer(ctrl, VS_WORK_POLL);	/* events are handled once we return */
	vs_bs->RestoreTPL(tpl);

	if (rc == VS_OK) {
		if (cmd.response == VIRTIO_SCSI_S_BAD_TARGET ||
		    cmd.response == VIRTIO_SCSI_S_INCORRECT_LUN)
			scsi_inv_request_rescan(&ctrl->inv);	/* it went away */
		return vs_pt_report(Packet, &cmd);
	}
	/* §15.7.2: a request that did not complete */
	st = VS_EFI_MAP(vs_pt_exec_map, rc, EFI_DEVICE_ERROR);
	if (st == EFI_BAD_BUFFER_SIZE) {
		/* say how much the adapter can move in one request */
		Packet->InTransferLength = cmd.in_done;
		Packet->OutTransferLength = cmd.out_done;
	} else if (st == EFI_TIMEOUT || st == EFI_DEVICE_ERROR) {
		Packet->HostAdapterStatus = st == EFI_TIMEOUT ?
			EFI_EXT_SCSI_STATUS_HOST_ADAPTER_TIMEOUT :
			EFI_EXT_SCSI_STATUS_HOST_ADAPTER_OTHER;
		Packet->TargetStatus = EFI_EXT_SCSI_STATUS_TARGET_GOOD;
		Packet->InTransferLength = Packet->OutTransferLength = 0;
		Packet->SenseDataLength = 0;
	}
	return st;
}

/** §15.7.3 GetNextTargetLun(). */
static EFI_STATUS EFIAPI
vs_pt_get_next_target_lun(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *This,
			  UINT8 **Target, UINT64 *Lun)
{
	struct vs_efi_ctrl *ctrl = vs_pt_ctrl(This);
	struct scsi_unit *u;
	UINTN next;
	int pos;

	if (!Target || !*Target || !Lun)
		return EFI_INVALID_PARAMETER;
	if (vs_pt_target_is_first(*Target)) {
		next = 0;
	} else {
		pos = vs_pt_lookup(ctrl, *Target, *Lun);
		if (pos < 0)
			return EFI_INVALID_PARAMETER;
		next = pos + 1;
	}
	if (next >= scsi_inv_count(&ctrl->inv))
		return EFI_NOT_FOUND;
	u = scsi_inv_at(&ctrl->inv, next);
	vs_pt_encode_target(*Target, u->info.target);
	*Lun = u->info.lun;
	return EFI_SUCCESS;
}

/** §15.7.8 GetNextTarget(). */
static EFI_STATUS EFIAPI
vs_pt_get_next_target(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *This, UINT8 **Target)
{
	struct vs_efi_ctrl *ctrl = vs_pt_ctrl(This);
	struct scsi_inventory *inv = &ctrl->inv;
	UINTN i, n = scsi_inv_count(inv);
	UINT8 t;

	if (!Target || !*Target)
		return EFI_INVALID_PARAMETER;
	if (vs_pt_target_is_first(*Target)) {
		i = 0;
	} else {
		for (i = 1; i < TARGET_MAX_BYTES; i++)
			if ((*Target)[i])
				return EFI_INVALID_PARAMETER;
		t = (*Target)[0];
		for (i = 0; i < n && scsi_inv_at(inv, i)->info.target != t; i++)
			;
		if (i == n)
			return EFI_INVALID_PARAMETER;	/* not a listed target */
		while (i < n && scsi_inv_at(inv, i)->info.target == t)
			i++;
	}
	if (i >= n)
		return EFI_NOT_FOUND;
	vs_pt_encode_target(*Target, scsi_inv_at(inv, i)->info.target);
	return EFI_SUCCESS;
}

/** §15.7.4 BuildDevicePath(): one Scsi(Pun,Lun) node, for listed units. */
static EFI_STATUS EFIAPI
vs_pt_build_device_path(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *This, UINT8 *Target,
			UINT64 Lun, EFI_DEVICE_PATH **DevicePath)
{
	struct vs_efi_ctrl *ctrl = vs_pt_ctrl(This);
	SCSI_DEVICE_PATH *node;

	if (!DevicePath || !Target)
		return EFI_INVALID_PARAMETER;
	if (vs_pt_lookup(ctrl, Target, Lun) < 0)
		return EFI_NOT_FOUND;
	node = vs_efi_scsi_node(Target[0], (UINT16)Lun);
	if (!node)
		return EFI_OUT_OF_RESOURCES;
	*DevicePath = &node->Header;
	return EFI_SUCCESS;
}

/** §15.7.5 GetTargetLun(): the inverse of BuildDevicePath. */
static EFI_STATUS EFIAPI
vs_pt_get_target_lun(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *This,
		     EFI_DEVICE_PATH *DevicePath, UINT8 **Target, UINT64 *Lun)
{
	struct vs_efi_ctrl *ctrl = vs_pt_ctrl(This);
	SCSI_DEVICE_PATH *node = (SCSI_DEVICE_PATH *)DevicePath;

	if (!DevicePath || !Target || !*Target || !Lun)
		return EFI_INVALID_PARAMETER;
	if (DevicePathType(DevicePath) != MESSAGING_DEVICE_PATH ||
	    DevicePathSubType(DevicePath) != MSG_SCSI_DP ||
	    DevicePathNodeLength(DevicePath) != sizeof(*node))
		return EFI_UNSUPPORTED;
	if (node->Pun > VIRTIO_SCSI_MAX_TARGET ||
	    !scsi_inv_find(&ctrl->inv, (UINT8)node->Pun, node->Lun))
		return EFI_NOT_FOUND;
	vs_pt_encode_target(*Target, (UINT8)node->Pun);
	*Lun = node->Lun;
	return EFI_SUCCESS;
}

/** The reset functions' statuses (§15.7.6, §15.7.7) for a TMF's result. */
static const struct vs_efi_status_map vs_pt_tmf_map[] = {
	{ VS_OK, EFI_SUCCESS },
	{ VS_E_UNSUPPORTED, EFI_UNSUPPORTED },
	{ VS_E_TIMEOUT, EFI_TIMEOUT },
	{ VS_E_NOTARGET, EFI_INVALID_PARAMETER },
};

static EFI_STATUS vs_pt_tmf_status(int rc)
{
	return VS_EFI_MAP(vs_pt_tmf_map, rc, EFI_DEVICE_ERROR);
}

/**
 * §15.7.6 ResetChannel(): an I_T NEXUS RESET to every listed target (a
 * virtio-scsi device has no bus to reset; this is what resets every
 * initiator-target relationship on the channel).
 */
static EFI_STATUS EFIAPI
vs_pt_reset_channel(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *This)
{
	struct vs_efi_ctrl *ctrl = vs_pt_ctrl(This);
	struct scsi_inventory *inv = &ctrl->inv;
	EFI_STATUS st = EFI_SUCCESS;
	EFI_TPL tpl;
	UINTN i;
	UINT8 t;
	int rc;

	tpl = vs_bs->RaiseTPL(TPL_CALLBACK);
	for (i = 0; i < scsi_inv_count(inv); i++) {
		t = scsi_inv_at(inv, i)->info.target;
		if (i && t == scsi_inv_at(inv, i - 1)->info.target)
			continue;
		rc = vscsi_tmf(&ctrl->core, VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET, t, 0);
		if (rc != VS_OK && rc != VS_E_NOTARGET) {
			st = vs_pt_tmf_status(rc);
			break;
		}
	}
	vs_bs->RestoreTPL(tpl);
	return st;
}

/** §15.7.7 ResetTargetLun(): LOGICAL UNIT RESET of a listed unit. */
static EFI_STATUS EFIAPI
vs_pt_reset_target_lun(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *This, UINT8 *Target,
		       UINT64 Lun)
{
	struct vs_efi_ctrl *ctrl = vs_pt_ctrl(This);
	EFI_TPL tpl;
	int rc;

	if (!Target || vs_pt_lookup(ctrl, Target, Lun) < 0)
		return EFI_INVALID_PARAMETER;
	tpl = vs_bs->RaiseTPL(TPL_CALLBACK);
	rc = vscsi_tmf(&ctrl->core, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
		       Target[0], (uint16_t)Lun);
	vs_bs->RestoreTPL(tpl);
	return vs_pt_tmf_status(rc);
}

/**
 * Fill the protocol and its Mode (§15.7.1).
 * @v ctrl	controller
 */
void vs_efi_pass_thru_init(struct vs_efi_ctrl *ctrl)
{
	/* The initiator's own ID: one above any target we can address */
	ctrl->mode.AdapterId = VIRTIO_SCSI_MAX_TARGET + 1;
	ctrl->mode.Attributes = EFI_EXT_SCSI_PASS_THRU_ATTRIBUTES_PHYSICAL |
				EFI_EXT_SCSI_PASS_THRU_ATTRIBUTES_LOGICAL;
	ctrl->mode.IoAlign = VS_EFI_IO_ALIGN;
	ctrl->pass_thru = (EFI_EXT_SCSI_PASS_THRU_PROTOCOL){
		.Mode = &ctrl->mode,
		.PassThru = vs_pt_pass_thru,
		.GetNextTargetLun = vs_pt_get_next_target_lun,
		.BuildDevicePath = vs_pt_build_device_path,
		.GetTargetLun = vs_pt_get_target_lun,
		.ResetChannel = vs_pt_reset_channel,
		.ResetTargetLun = vs_pt_reset_target_lun,
		.GetNextTarget = vs_pt_get_next_target,
	};
}
