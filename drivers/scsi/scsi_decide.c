/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The decision table: what each virtio response, SCSI status and sense
 * key/ASC means for the caller (SAM-5 §5.3, SPC-4 §4.5), in one table,
 * and which unit attention (SCSI_EV_*) the command reported; scsi_engine.c
 * runs commands by it.
 */
#include "vscsi/scsi_decide.h"

/** What to do with a completed command. */
enum scsi_action {
	SCSI_ACT_DONE,		/**< success */
	SCSI_ACT_RETRY,		/**< send again at once */
	SCSI_ACT_WAIT,		/**< wait a little, send again */
	SCSI_ACT_FAIL,		/**< VS_E_DEVICE */
	SCSI_ACT_NOMEDIA,	/**< VS_E_NOMEDIA */
	SCSI_ACT_PROTECT,	/**< VS_E_PROTECTED */
	SCSI_ACT_MEDIUM,	/**< VS_E_MEDIUM */
	SCSI_ACT_ILLEGAL,	/**< VS_E_UNSUPPORTED: the LUN refused the CDB */
	SCSI_ACT_ABSENT,	/**< VS_E_NOTARGET: no such target or LUN */
};

#define SCSI_ANY 0xFF

/** Sense key / ASC / ASCQ to action; first match wins. */
static const struct scsi_sense_rule {
	uint8_t key, asc, ascq;
	uint8_t action;
} scsi_sense_rules[] = {
	{ SCSI_SK_NO_SENSE, SCSI_ANY, SCSI_ANY, SCSI_ACT_DONE },
	{ SCSI_SK_RECOVERED_ERROR, SCSI_ANY, SCSI_ANY, SCSI_ACT_DONE },
	/* NOT READY: becoming ready (04/01), manual intervention (04/03) */
	{ SCSI_SK_NOT_READY, SCSI_ASC_NOT_READY, 0x01, SCSI_ACT_WAIT },
	{ SCSI_SK_NOT_READY, SCSI_ASC_NOT_READY, SCSI_ANY, SCSI_ACT_FAIL },
	/* NOT READY: medium not present (3A/xx) */
	{ SCSI_SK_NOT_READY, SCSI_ASC_MEDIUM_NOT_PRESENT, SCSI_ANY, SCSI_ACT_NOMEDIA },
	{ SCSI_SK_NOT_READY, SCSI_ANY, SCSI_ANY, SCSI_ACT_WAIT },
	{ SCSI_SK_MEDIUM_ERROR, SCSI_ANY, SCSI_ANY, SCSI_ACT_MEDIUM },
	{ SCSI_SK_HARDWARE_ERROR, SCSI_ANY, SCSI_ANY, SCSI_ACT_FAIL },
	{ SCSI_SK_ILLEGAL_REQUEST, SCSI_ANY, SCSI_ANY, SCSI_ACT_ILLEGAL },
	/* UNIT ATTENTION: power on/reset (29), parameters changed (2A),
	 * medium changed (28), reported LUNs changed (3F/0E): the command
	 * itself was not run, so it is sent again. */
	{ SCSI_SK_UNIT_ATTENTION, SCSI_ASC_MEDIUM_NOT_PRESENT, SCSI_ANY, SCSI_ACT_NOMEDIA },
	{ SCSI_SK_UNIT_ATTENTION, SCSI_ANY, SCSI_ANY, SCSI_ACT_RETRY },
	{ SCSI_SK_DATA_PROTECT, SCSI_ANY, SCSI_ANY, SCSI_ACT_PROTECT },
	{ SCSI_SK_ABORTED_COMMAND, SCSI_ANY, SCSI_ANY, SCSI_ACT_RETRY },
	{ SCSI_ANY, SCSI_ANY, SCSI_ANY, SCSI_ACT_FAIL },
};

/**
 * Decode sense data into key, ASC and ASCQ (fixed or descriptor format).
 * @v sense	sense bytes
 * @v len	valid bytes
 * @ret key	sense key, or SCSI_ANY when the data is unusable
 */
static uint8_t scsi_decode_sense(const uint8_t *sense, unsigned len,
				 uint8_t *asc, uint8_t *ascq)
{
	uint8_t code = len ? sense[0] & 0x7F : 0;

	*asc = *ascq = 0;
	if ((code == SCSI_SENSE_FIXED_CURRENT || code == SCSI_SENSE_FIXED_DEFERRED) &&
	    len >= 3) {
		if (len >= SCSI_SENSE_FIXED_MIN_LEN) {
			*asc = sense[SCSI_SENSE_FIXED_ASC];
			*ascq = sense[SCSI_SENSE_FIXED_ASCQ];
		}
		return sense[2] & 0x0F;
	}
	if ((code == SCSI_SENSE_DESC_CURRENT || code == SCSI_SENSE_DESC_DEFERRED) &&
	    len >= 4) {
		*asc = sense[2];
		*ascq = sense[3];
		return sense[1] & 0x0F;
	}
	return SCSI_ANY;
}

/**
 * Choose the action for a CHECK CONDITION.
 * @v sense	sense bytes
 * @v len	valid bytes
 * @ret action	SCSI_ACT_*
 */
static enum scsi_action scsi_sense_action(const uint8_t *sense, unsigned len)
{
	uint8_t asc, ascq, key = scsi_decode_sense(sense, len, &asc, &ascq);
	const struct scsi_sense_rule *r;

	for (r = scsi_sense_rules;; r++) {
		if ((r->key == SCSI_ANY || r->key == key) &&
		    (r->asc == SCSI_ANY || r->asc == asc) &&
		    (r->ascq == SCSI_ANY || r->ascq == ascq))
			return r->action;
	}
}

/**
 * Choose the action for a completed request.
 * @v cmd	command with its outcome
 * @ret action	SCSI_ACT_*
 */
static enum scsi_action scsi_action(const struct vscsi_cmd *cmd)
{
	switch (cmd->response) {
	case VIRTIO_SCSI_S_OK:
		break;
	case VIRTIO_SCSI_S_BAD_TARGET:
	case VIRTIO_SCSI_S_INCORRECT_LUN:
		return SCSI_ACT_ABSENT;
	case VIRTIO_SCSI_S_BUSY:
	case VIRTIO_SCSI_S_RESET:
	case VIRTIO_SCSI_S_ABORTED:
	case VIRTIO_SCSI_S_TRANSPORT_FAILURE:
		return SCSI_ACT_WAIT;
	default:
		return SCSI_ACT_FAIL;
	}
	switch (cmd->status) {
	case SCSI_STATUS_GOOD:
	case SCSI_STATUS_CONDITION_MET:
		return SCSI_ACT_DONE;
	case SCSI_STATUS_CHECK_CONDITION:
		return scsi_sense_action(cmd->sense, cmd->sense_len);
	case SCSI_STATUS_BUSY:
	case SCSI_STATUS_TASK_SET_FULL:
		return SCSI_ACT_WAIT;
	default:
		return SCSI_ACT_FAIL;
	}
}

/**
 * The unit attention a command reported, as SCSI_EV_* bits: the command
 * did not run (it is sent again), but what it reports (medium or
 * capacity changed, reset) matters to the unit's owner.
 * @v cmd	completed command
 * @ret events	SCSI_EV_* bits (0: no unit attention, or none we act on)
 */
static unsigned scsi_cmd_events(const struct vscsi_cmd *cmd)
{
	uint8_t asc, ascq;

	if (cmd->response != VIRTIO_SCSI_S_OK ||
	    cmd->status != SCSI_STATUS_CHECK_CONDITION ||
	    scsi_decode_sense(cmd->sense, cmd->sense_len, &asc, &ascq) !=
	    SCSI_SK_UNIT_ATTENTION)
		return 0;
	return scsi_ua_event(SCSI_ASC_ASCQ(asc, ascq));
}

/**
 * Map a UNIT ATTENTION (SCSI_ASC_ASCQ) to the SCSI_EV_* it means.
 * @v ua	unit attention, 0 for none
 * @ret ev	SCSI_EV_* bits
 */
unsigned scsi_ua_event(uint16_t ua)
{
	switch (SCSI_ASC(ua)) {
	case 0x00: return 0;
	case SCSI_ASC_MEDIUM_CHANGED: return SCSI_EV_MEDIUM_CHANGED;
	case SCSI_ASC_POWER_ON_RESET: return SCSI_EV_RESET;
	case SCSI_ASC_PARAMETERS_CHANGED:
		return ua == SCSI_ASCQ_CAPACITY_CHANGED ? SCSI_EV_CAPACITY_CHANGED : 0;
	case SCSI_ASC_TARGET_CHANGED:
		return ua == SCSI_ASCQ_LUNS_CHANGED ? SCSI_EV_LUNS_CHANGED : 0;
	default: return 0;
	}
}

/** What each action ends a command with (RETRY, WAIT: their budget ran out). */
static const int scsi_action_rc[] = {
	[SCSI_ACT_DONE] = VS_OK,
	[SCSI_ACT_RETRY] = VS_E_DEVICE,
	[SCSI_ACT_WAIT] = VS_E_DEVICE,
	[SCSI_ACT_FAIL] = VS_E_DEVICE,
	[SCSI_ACT_NOMEDIA] = VS_E_NOMEDIA,
	[SCSI_ACT_PROTECT] = VS_E_PROTECTED,
	[SCSI_ACT_MEDIUM] = VS_E_MEDIUM,
	[SCSI_ACT_ILLEGAL] = VS_E_UNSUPPORTED,
	[SCSI_ACT_ABSENT] = VS_E_NOTARGET,
};

/**
 * The status a command ends with.
 * @v action	its last action
 * @v cmd	the command (for the log)
 * @v p		platform (for the log)
 * @ret rc	status
 */
static int scsi_action_status(enum scsi_action action,
			      const struct vscsi_cmd *cmd, struct vs_platform *p)
{
	int rc = scsi_action_rc[action];

	if (rc == VS_E_DEVICE)
		VS_DBG(p, "scsi %u:%u op %02x: response %u status %02x",
		       cmd->target, cmd->lun, cmd->cdb[0], cmd->response,
		       cmd->status);
	return rc;
}

/**
 * Decide what a command that completed once comes to: done, an error to
 * return, or worth sending again, at once (VS_AGAIN: a unit attention, an
 * aborted command) or after a pause (VS_WAIT: busy, becoming ready).  The
 * one decision point for every path (scsi_engine.c).
 * @v c		adapter
 * @v cmd	completed command
 * @v events	SCSI_EV_* bits of the unit attention it reported are OR-ed in
 * @ret rc	VS_OK, VS_AGAIN, VS_WAIT, or the error to return:
 *		VS_E_NOTARGET, VS_E_NOMEDIA, VS_E_PROTECTED, VS_E_MEDIUM,
 *		VS_E_UNSUPPORTED, VS_E_DEVICE
 */
int scsi_decide(struct vscsi_ctrl *c, const struct vscsi_cmd *cmd,
		unsigned *events)
{
	enum scsi_action action = scsi_action(cmd);

	*events |= scsi_cmd_events(cmd);
	if (action == SCSI_ACT_RETRY)
		return VS_AGAIN;
	if (action == SCSI_ACT_WAIT)
		return VS_WAIT;
	return scsi_action_status(action, cmd, c->plat);
}
