"""`python -m zimage_gallery.reconciler [--grace-hours N] [--dry-run]`: one reconciler run, counts printed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta

from zimage_common.db import Database
from zimage_common.observability import configure_logging

from zimage_gallery.config import Settings
from zimage_gallery.reconciler.service import ReconcileReport, reconcile


def _print(report: ReconcileReport) -> None:
    for name, value in report.as_dict().items():
        print(f"{name:<28} {value}")


async def _main(grace_hours: float | None, dry_run: bool) -> ReconcileReport:
    settings = Settings()
    configure_logging(json_logs=settings.json_logs, level=settings.log_level)
    db = Database(settings.resolved_database_url(), settings.database_schema)
    try:
        hours = settings.reconcile_grace_hours if grace_hours is None else grace_hours
        return await reconcile(db, settings.object_store(), grace=timedelta(hours=hours), dry_run=dry_run)
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zimage_gallery.reconciler", description=__doc__)
    parser.add_argument(
        "--grace-hours",
        type=float,
        default=None,
        help="keep objects without a record younger than this (default: settings, 24)",
    )
    parser.add_argument("--dry-run", action="store_true", help="count, change nothing")
    args = parser.parse_args(argv)
    if args.grace_hours is not None and args.grace_hours < 0:
        parser.error("--grace-hours must not be negative")
    report = asyncio.run(_main(args.grace_hours, args.dry_run))
    _print(report)
    return 1 if report.delete_failures else 0


if __name__ == "__main__":
    sys.exit(main())
