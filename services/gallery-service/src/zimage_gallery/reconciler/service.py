"""P3 (no orphans): remove stored objects that no record refers to, flag records whose original is gone.

Safety rules, in the order they apply:
- only keys shaped like ours are considered: `{owner}/{task}/{index}.png|.webp`, `….export.{preset}.{q}.{ext}`,
  and brand kits' files `brand-kits/{kit}/fonts/{font}.ttf|.otf` and `brand-kits/{kit}/logos/{logo}.png`;
- the store is listed first and the records read after, so a record written meanwhile is seen;
- an object younger than the grace period stays (its record may not be written yet: ingest follows upload);
- right before deleting, every candidate is looked up again; one that a record names now is spared.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import structlog
from zimage_common.db import Database, utcnow
from zimage_common.objects import ObjectInfo, ObjectStore

from zimage_gallery.images import repository as images_repo
from zimage_gallery.reconciler import repository as repo

log = structlog.get_logger("zimage.gallery.reconciler")

_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
GALLERY_KEY = re.compile(
    rf"{_UUID}/{_UUID}/[0-9]+\.(?:png|webp|export\.[A-Za-z0-9_]+\.[0-9]+\.(?:png|jpg|webp))"
    rf"|brand-kits/{_UUID}/(?:fonts/{_UUID}\.(?:ttf|otf)|logos/{_UUID}\.png)"
)


@dataclass
class ReconcileReport:
    dry_run: bool
    grace_hours: float
    objects_listed: int = 0
    objects_considered: int = 0  # keys shaped like gallery objects
    objects_live: int = 0  # referenced by a record
    orphans_found: int = 0  # no record, past the grace period
    orphans_removed: int = 0
    orphans_too_recent: int = 0  # no record, within the grace period: kept
    orphans_spared: int = 0  # a record appeared between the listing and the deletion
    delete_failures: int = 0
    records_missing_original: int = 0
    records_newly_flagged: int = 0
    records_unflagged: int = 0

    def as_dict(self) -> dict[str, float | int | bool]:
        return asdict(self)


async def _list(store: ObjectStore) -> list[ObjectInfo]:
    return [info async for info in store.list("")]


async def reconcile(
    db: Database, store: ObjectStore, *, grace: timedelta, dry_run: bool = False, now: datetime | None = None
) -> ReconcileReport:
    started = now or utcnow()
    cutoff = started - grace
    report = ReconcileReport(dry_run=dry_run, grace_hours=grace.total_seconds() / 3600)

    listed = await _list(store)
    report.objects_listed = len(listed)
    ours = [info for info in listed if GALLERY_KEY.fullmatch(info.key)]
    report.objects_considered = len(ours)
    present = {info.key for info in listed}

    async with db.unit_of_work() as session:
        referenced = await repo.all_object_keys(session)
    unreferenced = [info for info in ours if info.key not in referenced]
    report.objects_live = len(ours) - len(unreferenced)
    old = [info.key for info in unreferenced if info.modified < cutoff]
    report.orphans_too_recent = len(unreferenced) - len(old)
    report.orphans_found = len(old)

    if old:
        async with db.unit_of_work() as session:
            spared = await repo.referenced_among(session, old)
        report.orphans_spared = len(spared)
        doomed = [key for key in old if key not in spared]
        if not dry_run:
            for key in doomed:
                try:
                    await store.delete(key)
                    report.orphans_removed += 1
                except Exception:
                    report.delete_failures += 1
                    log.warning("orphan_delete_failed", key=key, exc_info=True)

    async with db.unit_of_work() as session:
        records = await images_repo.originals(session, ingested_before=started)
        missing = [image_id for image_id, key, _ in records if key not in present]
        newly = [image_id for image_id, key, flagged in records if key not in present and not flagged]
        back = [image_id for image_id, key, flagged in records if key in present and flagged]
        report.records_missing_original = len(missing)
        report.records_newly_flagged = len(newly)
        report.records_unflagged = len(back)
        if not dry_run:
            await images_repo.set_original_missing(session, newly, True)
            await images_repo.set_original_missing(session, back, False)

    log.info("reconcile_finished", **report.as_dict())
    return report
