"""Copy every object of the configured object store to or from a tar stream (backups).

    python scripts/object_archive.py dump > objects.tar     # every object, byte for byte
    python scripts/object_archive.py load --prune < objects.tar   # put them back; --prune deletes the rest
    python scripts/object_archive.py digest                 # "sha256  size  key" per object, sorted

The store is the one the services use (ServiceSettings: S3_* settings for any S3 API, else the local
folder under DATA_DIR), so the same command works on `make dev` data, MinIO and AWS S3.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import sys
import tarfile
from typing import BinaryIO

from zimage_common.objects import ObjectStore, content_type_for
from zimage_common.settings import ServiceSettings


async def dump(store: ObjectStore, out: BinaryIO) -> int:
    count = 0
    with tarfile.open(fileobj=out, mode="w|") as tar:
        async for info in store.list(""):
            data = await store.get(info.key)
            member = tarfile.TarInfo(info.key)
            member.size = len(data)
            member.mtime = int(info.modified.timestamp())
            member.mode = 0o644
            tar.addfile(member, io.BytesIO(data))
            count += 1
    return count


async def load(store: ObjectStore, source: BinaryIO, *, prune: bool) -> tuple[int, int]:
    restored: set[str] = set()
    with tarfile.open(fileobj=source, mode="r|") as tar:
        for member in tar:
            if not member.isfile():
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            await store.put(member.name, handle.read(), content_type_for(member.name))
            restored.add(member.name)
    removed = 0
    if prune:
        stale = [info.key async for info in store.list("") if info.key not in restored]
        for key in stale:
            await store.delete(key)
        removed = len(stale)
    return len(restored), removed


async def digest(store: ObjectStore) -> list[str]:
    lines = []
    async for info in store.list(""):
        data = await store.get(info.key)
        lines.append(f"{hashlib.sha256(data).hexdigest()}  {len(data)}  {info.key}")
    return sorted(lines, key=lambda line: line.rsplit("  ", 1)[1])


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["dump", "load", "digest"])
    parser.add_argument("--prune", action="store_true", help="load: delete objects the archive does not hold")
    args = parser.parse_args(argv)
    store = ServiceSettings().object_store()
    if args.action == "dump":
        count = await dump(store, sys.stdout.buffer)
        print(f"object_archive: {count} objects written", file=sys.stderr)
    elif args.action == "load":
        count, removed = await load(store, sys.stdin.buffer, prune=args.prune)
        print(f"object_archive: {count} objects restored, {removed} removed", file=sys.stderr)
    else:
        for line in await digest(store):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
