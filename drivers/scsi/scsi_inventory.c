/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The unit inventory of one adapter (see scsi_inventory.h): the sorted
 * list of logical units, changed only here, by the scan, by events
 * (virtio 1.2 §5.6.6.3) and by rescans, each change told to the platform.
 *
 * A rescan asks every target again and compares, target by target, what
 * it says with what is listed.  It removes a unit only on the target's own
 * word: BAD_TARGET for the whole target, or a complete REPORT LUNS list
 * without it, or a probe's INQUIRY saying nothing is there.  A target
 * whose REPORT LUNS failed otherwise is probed (scsi_scan.c): a unit whose
 * INQUIRY fails too, or that is no candidate, is kept; so is every unit of
 * a target whose list did not fit.
 */
#include "vscsi/scsi_inventory.h"

/** Rescan marks of a listed unit (scsi_unit.mark). */
enum {
	SCSI_INV_UNSEEN,	/**< not in the target's answer (yet) */
	SCSI_INV_SEEN,		/**< the target still has it */
	SCSI_INV_GONE,		/**< a probe found nothing there */
};

/** Sort key of an address. */
static uint32_t scsi_inv_key(uint8_t target, uint16_t lun)
{
	return (uint32_t)target << 16 | lun;
}

/**
 * Find where an address is, or would go, in the sorted list.
 * @v inv	inventory
 * @v target	target
 * @v lun	LUN
 * @ret pos	position of the first listed unit not below the address
 */
static unsigned scsi_inv_lower_bound(const struct scsi_inventory *inv,
				     uint8_t target, uint16_t lun)
{
	uint32_t key = scsi_inv_key(target, lun);
	unsigned lo = 0, hi = inv->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		const struct scsi_lun_info *u = &inv->unit[inv->order[mid]].info;

		if (scsi_inv_key(u->target, u->lun) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/**
 * Position of a listed unit.
 * @v inv	inventory
 * @v target	target
 * @v lun	LUN
 * @ret pos	its position in the (target, LUN) order, or -1 if not listed
 */
int scsi_inv_index(const struct scsi_inventory *inv, uint8_t target,
		   uint16_t lun)
{
	unsigned i = scsi_inv_lower_bound(inv, target, lun);
	const struct scsi_lun_info *u;

	if (i == inv->count)
		return -1;
	u = &inv->unit[inv->order[i]].info;
	return u->target == target && u->lun == lun ? (int)i : -1;
}

/**
 * Find a listed unit.
 * @v inv	inventory
 * @v target	target
 * @v lun	LUN
 * @ret u	the unit, or NULL if it is not listed
 */
struct scsi_unit *scsi_inv_find(struct scsi_inventory *inv, uint8_t target,
				uint16_t lun)
{
	int i = scsi_inv_index(inv, target, lun);

	return i < 0 ? NULL : scsi_inv_at(inv, i);
}

/**
 * Set up an empty inventory.
 * @v inv	inventory
 * @v c		adapter, initialised
 * @v ops	platform callbacks
 * @v ctx	platform context, kept in inv->ctx
 */
void scsi_inv_init(struct scsi_inventory *inv, struct vscsi_ctrl *c,
		   const struct scsi_inventory_ops *ops, void *ctx)
{
	vs_memset(inv, 0, sizeof(*inv));
	inv->c = c;
	inv->ops = ops;
	inv->ctx = ctx;
}

/**
 * A unit found with the table full: name it, unless SCSI_INV_REFUSED_NAMES
 * were named in the last SCSI_INV_REFUSED_QUIET_US (then it is counted,
 * and scsi_inv_refused_summary says how many).
 * @v inv	inventory
 * @v info	the unit not listed
 */
static void scsi_inv_refuse(struct scsi_inventory *inv,
			    const struct scsi_lun_info *info)
{
	uint64_t now = vs_now_us(inv->c->plat);

	if (now - inv->refused_since >= SCSI_INV_REFUSED_QUIET_US) {
		inv->refused_since = now;
		inv->refused_named = 0;
	}
	if (inv->refused_named >= SCSI_INV_REFUSED_NAMES) {
		inv->refused_unnamed++;
		return;
	}
	inv->refused_named++;
	VS_ERR(inv->c->plat, "scsi %u:%u: unit table full (%u units), not listed",
	       info->target, info->lun, SCSI_INV_MAX_UNITS);
}

/**
 * End of a scan or poll: count the refused units not named one by one.
 * @v inv	inventory
 */
static void scsi_inv_refused_summary(struct scsi_inventory *inv)
{
	if (!inv->refused_unnamed)
		return;
	VS_ERR(inv->c->plat, "scsi: unit table full: %u more units not listed",
	       inv->refused_unnamed);
	inv->refused_unnamed = 0;
}

/**
 * Put a unit INQUIRY confirmed on the list, not yet told to the platform.
 * @v inv	inventory
 * @v info	the unit
 * @ret u	the listed unit, or NULL when the table is full (or it is
 *		listed already: a target that names a LUN twice)
 */
static struct scsi_unit *scsi_inv_list(struct scsi_inventory *inv,
				       const struct scsi_lun_info *info)
{
	unsigned pos = scsi_inv_lower_bound(inv, info->target, info->lun);
	struct scsi_unit *u;
	unsigned slot, i;

	if (scsi_inv_find(inv, info->target, info->lun))
		return NULL;
	for (slot = 0; slot < SCSI_INV_MAX_UNITS; slot++)
		if (inv->unit[slot].state == SCSI_UNIT_FREE)
			break;
	if (slot == SCSI_INV_MAX_UNITS) {
		scsi_inv_refuse(inv, info);
		return NULL;
	}
	u = &inv->unit[slot];
	vs_memset(u, 0, sizeof(*u));
	u->info = *info;
	u->state = SCSI_UNIT_LISTED;
	u->mark = SCSI_INV_SEEN;
	for (i = inv->count; i > pos; i--)
		inv->order[i] = inv->order[i - 1];
	inv->order[pos] = slot;
	inv->count++;
	return u;
}

/** Whether a unit is a block device we open (SBC disk, MMC CD/DVD). */
static bool scsi_inv_is_disk(const struct scsi_unit *u)
{
	return u->info.pdt == SCSI_PDT_DIRECT_ACCESS ||
	       u->info.pdt == SCSI_PDT_CDROM;
}

/**
 * Tell the platform of a listed unit, its disk opened (or not).
 * @v inv	inventory
 * @v u		unit
 * @v rc	scsi_disks_open's outcome for its disk
 */
static void scsi_inv_announce(struct scsi_inventory *inv, struct scsi_unit *u,
			      int rc)
{
	if (scsi_inv_is_disk(u)) {
		u->has_disk = rc == VS_OK || rc == VS_E_NOMEDIA;
		if (!u->has_disk)
			VS_ERR(inv->c->plat, "scsi %u:%u: no block device (%d)",
			       u->info.target, u->info.lun, rc);
	}
	VS_INFO(inv->c->plat, "scsi %u:%u: type %02x listed", u->info.target,
		u->info.lun, u->info.pdt);
	if (inv->ops->added)
		inv->ops->added(inv, u);
}

/**
 * List units INQUIRY confirmed, up to VSCSI_REQ_SLOTS: their disks are
 * opened together (one round of requests per step, scsi_disks_open), then
 * the platform is told of each.
 * @v inv	inventory
 * @v info	the units
 * @v n		how many
 */
static void scsi_inv_add(struct scsi_inventory *inv,
			 const struct scsi_lun_info *info, unsigned n)
{
	struct scsi_unit *u[VSCSI_REQ_SLOTS];
	struct scsi_disk *d[VSCSI_REQ_SLOTS];
	const struct scsi_lun_info *di[VSCSI_REQ_SLOTS];
	int rc[VSCSI_REQ_SLOTS];
	unsigned i, nd = 0;

	for (i = 0; i < n; i++) {
		u[i] = scsi_inv_list(inv, &info[i]);
		if (u[i] && scsi_inv_is_disk(u[i])) {
			d[nd] = &u[i]->disk;
			di[nd++] = &u[i]->info;
		}
	}
	if (nd)
		scsi_disks_open(d, inv->c, di, nd, rc);
	for (i = nd = 0; i < n; i++)
		if (u[i])
			scsi_inv_announce(inv, u[i],
					  scsi_inv_is_disk(u[i]) ? rc[nd++] : VS_OK);
}

/**
 * Bring up the units a scan found new (inv->pending): their INQUIRYs
 * together, then their disks together, a window of units at a time, so
 * bring-up costs rounds of requests, not a request after another.  A unit
 * whose command fails costs only itself.
 * @v inv	inventory
 */
static void scsi_inv_bring_up(struct scsi_inventory *inv)
{
	struct scsi_lun_info info[VSCSI_REQ_SLOTS], found[VSCSI_REQ_SLOTS];
	int rc[VSCSI_REQ_SLOTS];
	unsigned first, n, i, nf;

	for (first = 0; first < inv->npending; first += n) {
		n = inv->npending - first < VSCSI_REQ_SLOTS ?
		    inv->npending - first : VSCSI_REQ_SLOTS;
		scsi_inquiry_batch(inv->c, inv->pending + first, n, info, rc);
		for (i = nf = 0; i < n; i++) {
			if (rc[i] == VS_OK)
				found[nf++] = info[i];
			else if (rc[i] != VS_E_NOTARGET)
				VS_ERR(inv->c->plat, "scsi %u:%u: INQUIRY failed "
				       "(%d), not listed", inv->pending[first + i].target,
				       inv->pending[first + i].lun, rc[i]);
		}
		scsi_inv_add(inv, found, nf);
	}
	inv->npending = 0;
}

/**
 * Take a unit off the list and tell the platform; its storage stays
 * until scsi_inv_release.
 * @v inv	inventory
 * @v pos	its position in the list
 */
static void scsi_inv_remove_at(struct scsi_inventory *inv, unsigned pos)
{
	struct scsi_unit *u = scsi_inv_at(inv, pos);
	unsigned i;

	for (i = pos; i + 1 < inv->count; i++)
		inv->order[i] = inv->order[i + 1];
	inv->count--;
	u->state = SCSI_UNIT_LEAVING;
	u->disk.present = false;
	VS_INFO(inv->c->plat, "scsi %u:%u: removed", u->info.target,
		u->info.lun);
	if (inv->ops->removed)
		inv->ops->removed(inv, u);
}

/**
 * The platform is done with a removed unit: its storage is free again.
 * @v inv	inventory
 * @v u		unit the removed callback named
 */
void scsi_inv_release(struct scsi_inventory *inv, struct scsi_unit *u)
{
	(void)inv;
	if (u->state != SCSI_UNIT_LEAVING)
		return;
	vs_memset(u, 0, sizeof(*u));
}

/**
 * Look at one address again (after a hot-plug event): list the unit
 * INQUIRY finds there, remove the listed one INQUIRY no longer finds.
 * @v inv	inventory
 * @v target	target
 * @v lun	LUN
 */
static void scsi_inv_probe(struct scsi_inventory *inv, uint8_t target,
			   uint16_t lun)
{
	struct scsi_lun_info info;
	int pos = scsi_inv_index(inv, target, lun);
	int rc = scsi_inquiry(inv->c, target, lun, &info);

	if (rc == VS_OK && pos < 0)
		scsi_inv_add(inv, &info, 1);
	else if (rc == VS_E_NOTARGET && pos >= 0)
		scsi_inv_remove_at(inv, pos);
	else if (rc != VS_OK && rc != VS_E_NOTARGET)
		VS_ERR(inv->c->plat, "scsi %u:%u: INQUIRY failed (%d), unit "
		       "left as it was", target, lun, rc);
}

/**
 * Look for a changed medium or capacity, and tell the platform of one.
 * @v inv	inventory
 * @v u		listed unit with a disk
 * @ret rc	SCSI_MEDIA_SAME, SCSI_MEDIA_CHANGED, or an error
 */
int scsi_inv_check_media(struct scsi_inventory *inv, struct scsi_unit *u)
{
	int rc;

	if (u->state != SCSI_UNIT_LISTED || !u->has_disk)
		return VS_E_NOMEDIA;
	rc = scsi_disk_check_media(&u->disk);
	if (rc == SCSI_MEDIA_CHANGED && inv->ops->changed)
		inv->ops->changed(inv, u);
	return rc;
}

/**
 * Where a target's units are in the list.
 * @v inv	inventory
 * @v target	target
 * @ret first	position of its first unit
 * @ret end	position past its last
 */
static unsigned scsi_inv_target_units(const struct scsi_inventory *inv,
				      uint8_t target, unsigned *first)
{
	unsigned end;

	*first = scsi_inv_lower_bound(inv, target, 0);
	for (end = *first; end < inv->count &&
	     inv->unit[inv->order[end]].info.target == target; end++)
		;
	return end;
}

/**
 * Compare one target's answer with the list (scsi_scan_targets callback):
 * list the new units, drop the ones the target says are gone.
 * @v ctx	inventory
 * @v r		what the target said
 */
static void scsi_inv_target(void *ctx, const struct scsi_target_luns *r)
{
	struct scsi_inventory *inv = ctx;
	struct scsi_lun_info info;
	struct scsi_unit *u;
	unsigned first, end, i;
	int rc;

	end = scsi_inv_target_units(inv, r->target, &first);
	for (i = first; i < end; i++)
		scsi_inv_at(inv, i)->mark = SCSI_INV_UNSEEN;
	for (i = 0; r->rc == VS_OK && i < r->count; i++) {
		u = scsi_inv_find(inv, r->target, r->luns[i]);
		if (u && !r->probed) {
			u->mark = SCSI_INV_SEEN;
			continue;
		}
		if (!r->probed) {
			/* new: brought up with the others after the scan */
			if (inv->npending == SCSI_INV_MAX_UNITS)
				scsi_inv_bring_up(inv);
			inv->pending[inv->npending].target = r->target;
			inv->pending[inv->npending++].lun = r->luns[i];
			continue;
		}
		/* a candidate, listed or not: its INQUIRY decides now */
		rc = scsi_inquiry(inv->c, r->target, r->luns[i], &info);
		if (u)
			u->mark = rc == VS_E_NOTARGET ? SCSI_INV_GONE : SCSI_INV_SEEN;
		else if (rc == VS_OK)
			scsi_inv_add(inv, &info, 1);
		else if (rc != VS_E_NOTARGET)
			VS_ERR(inv->c->plat, "scsi %u:%u: INQUIRY failed (%d), "
			       "not listed", r->target, r->luns[i], rc);
	}
	/* what the target no longer has: backwards, as removal shifts */
	end = scsi_inv_target_units(inv, r->target, &first);
	for (i = end; i-- > first;) {
		u = scsi_inv_at(inv, i);
		if (r->rc == VS_E_NOTARGET || u->mark == SCSI_INV_GONE ||
		    (r->complete && u->mark == SCSI_INV_UNSEEN))
			scsi_inv_remove_at(inv, i);
	}
}

/**
 * Scan every target and bring the list up to date (the first scan, and
 * every rescan).
 * @v inv	inventory
 * @ret rc	VS_OK, or VS_E_TIMEOUT when the adapter stopped answering
 *		(targets not reached keep their units)
 */
int scsi_inv_scan(struct scsi_inventory *inv)
{
	int rc;

	inv->rescan = false;
	inv->rescans++;
	inv->npending = 0;
	rc = scsi_scan_targets(inv->c, 0, inv->c->max_target, scsi_inv_target,
			       inv);
	scsi_inv_bring_up(inv);
	scsi_inv_refused_summary(inv);
	if (rc != VS_OK)
		VS_ERR(inv->c->plat, "scsi: scan stopped (%d), %u units listed",
		       rc, inv->count);
	return rc;
}

/**
 * The adapter's self-test (vscsi_self_test), its round trip to the first
 * unit listed, or to 0:0 when there is none (an answer is a round trip).
 * @v inv	inventory
 * @v h		findings
 * @ret ok	passed
 */
bool scsi_inv_self_test(struct scsi_inventory *inv, struct vscsi_health *h)
{
	struct scsi_unit *u = inv->count ? scsi_inv_at(inv, 0) : NULL;

	return vscsi_self_test(inv->c, u ? u->info.target : 0,
			       u ? u->info.lun : 0, h);
}

/**
 * Ask for a full rescan at the next scsi_inv_poll (for example after a
 * REPORTED LUNS DATA HAS CHANGED the platform saw itself).
 * @v inv	inventory
 */
void scsi_inv_request_rescan(struct scsi_inventory *inv)
{
	inv->rescan = true;
}

/**
 * Act on one event (§5.6.6.3).
 * @v inv	inventory
 * @v ev	checked event
 */
static void scsi_inv_event(struct scsi_inventory *inv,
			   const struct vscsi_event *ev)
{
	struct scsi_unit *u;

	inv->events++;
	if (ev->missed)
		inv->rescan = true;	/* and the event itself still counts */
	if (!ev->has_lun)
		return;
	switch (ev->type) {
	case VIRTIO_SCSI_T_TRANSPORT_RESET:	/* §5.6.6.3.1 */
		if (ev->reason == VIRTIO_SCSI_EVT_RESET_REMOVED) {
			int pos = scsi_inv_index(inv, ev->target, ev->lun);

			if (pos >= 0)
				scsi_inv_remove_at(inv, pos);
		} else {
			/* RESCAN (a unit appeared) or HARD: look again */
			scsi_inv_probe(inv, ev->target, ev->lun);
		}
		break;
	case VIRTIO_SCSI_T_PARAM_CHANGE:	/* §5.6.6.3.2 */
		if (ev->asc_ascq == SCSI_ASCQ_LUNS_CHANGED) {
			inv->rescan = true;
			break;
		}
		u = scsi_inv_find(inv, ev->target, ev->lun);
		if (u && u->has_disk) {
			u->disk.events |= SCSI_EV_CAPACITY_CHANGED;
			scsi_inv_check_media(inv, u);
		}
		break;
	default:
		VS_DBG(inv->c->plat, "scsi: event %u ignored", ev->type);
		break;
	}
}

/**
 * Bring the list up to date: take up to SCSI_INV_EVENT_BATCH events from
 * the event queue and act on them, then rescan if events were lost, the
 * device said the LUN inventory changed, or a disk saw REPORTED LUNS DATA
 * HAS CHANGED.  Called periodically by the platform.
 * @v inv	inventory
 */
void scsi_inv_poll(struct scsi_inventory *inv)
{
	struct vscsi_event ev;
	struct scsi_unit *u;
	unsigned n;

	for (n = 0; n < SCSI_INV_EVENT_BATCH; n++) {
		if (vscsi_poll_event(inv->c, &ev) <= 0)
			break;
		scsi_inv_event(inv, &ev);
	}
	for (n = 0; n < inv->count; n++) {
		u = scsi_inv_at(inv, n);
		if (u->disk.events & SCSI_EV_LUNS_CHANGED) {
			u->disk.events &= ~SCSI_EV_LUNS_CHANGED;
			inv->rescan = true;
		}
	}
	if (inv->rescan)
		scsi_inv_scan(inv);
	else
		scsi_inv_refused_summary(inv);
}
