"""Migrate every service's database: `python scripts/db.py upgrade|downgrade|reset|current`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from alembic import command
from platform_services import load_object, migrating_services
from zimage_common.migrations import MigrationTarget, downgrade, upgrade


def targets() -> list[tuple[str, MigrationTarget]]:
    out = []
    for service in migrating_services():
        settings_cls: Any = load_object(service.settings or "")
        make_target: Any = load_object(service.migrations or "")
        out.append((service.name, make_target(settings_cls())))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["upgrade", "downgrade", "reset", "current"])
    args = parser.parse_args(argv)
    for name, target in targets():
        where = f"schema {target.schema}" if target.schema else target.url.rsplit("/", 1)[-1]
        print(f"[{name}] {args.action} ({where})", flush=True)
        if args.action in ("downgrade", "reset"):
            downgrade(target, "base")
        if args.action in ("upgrade", "reset"):
            upgrade(target, "head")
        if args.action == "current":
            command.current(target.config())
    return 0


if __name__ == "__main__":
    sys.exit(main())
