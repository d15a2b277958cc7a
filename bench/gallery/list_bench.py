"""Gallery list benchmark: 100,000 images of one user on a throwaway PostgreSQL database.

    uv run python bench/gallery/list_bench.py [--images 100000] [--runs 200]

Seeds 100,000 images for one user (plus 5,000 of another) across 50 folders (10 of them subfolders) and 200
tags (one of them on ~30 % of the images) with COPY, VACUUM ANALYZEs, then times the list endpoint's queries
through the service (`images.service.list_own`: the queries the endpoint runs, without HTTP) against a bare
"select 50 rows by primary key" reference, and the first page through HTTP (auth-service and gallery-service on
loopback uvicorn, a real access token). Every timed query runs once per round, in turn, so a burst of other
work on the machine hits them all alike. Prints a table (p50/p95 ms, each over the reference's p50/p95), writes
bench/results/gallery_list.json, prints every EXPLAIN plan, and exits non-zero if any plan reads the images table
with a Seq Scan. Not a test: `make test` does not run it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import select
from sqlalchemy.dialects import postgresql

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # tests.support: throwaway databases and loopback servers

from zimage_auth.config import Settings as AuthSettings  # noqa: E402
from zimage_auth.database import migration_target as auth_migration_target  # noqa: E402
from zimage_auth.main import create_app as create_auth_app  # noqa: E402
from zimage_common.db import Database  # noqa: E402
from zimage_common.migrations import upgrade  # noqa: E402
from zimage_gallery.config import Settings  # noqa: E402
from zimage_gallery.database import migration_target  # noqa: E402
from zimage_gallery.folders import service as folders  # noqa: E402
from zimage_gallery.images import repository as repo  # noqa: E402
from zimage_gallery.images import service  # noqa: E402
from zimage_gallery.images.models import GalleryImage  # noqa: E402
from zimage_gallery.images.pagination import encode_cursor  # noqa: E402
from zimage_gallery.images.repository import ImageFilter  # noqa: E402
from zimage_gallery.images.search import index_tokens, query_terms  # noqa: E402
from zimage_gallery.main import create_app  # noqa: E402

from tests.support.databases import create_pg_database, drop_pg_database  # noqa: E402
from tests.support.servers import serve  # noqa: E402

PAGE = 50
FOLDERS = 50
SUBFOLDERS = 10  # the last 10 folders nest two each under the first 5
TAGS = 200
COMMON_TAG_SHARE = 0.3  # the first tag is on ~30 % of the images, beside the 0-3 others each has
OTHER_USER_IMAGES = 5_000
PASSWORD = "Tangerine-bicycle-42"  # noqa: S105 - a throwaway account on a throwaway database
RESULTS = ROOT / "bench" / "results" / "gallery_list.json"

SUBJECTS_KO = [
    "서울 야경",
    "제주도 일출",
    "부산 바다",
    "한강 공원",
    "카페 인테리어",
    "봄 세일 배너",
    "가을 단풍",
    "겨울 눈꽃",
    "신제품 화장품",
    "치킨 메뉴",
    "패션 룩북",
    "강아지 산책",
    "도시 골목",
    "전통 한옥",
    "캠핑 장비",
]
SUBJECTS_EN = [
    "red bicycle by the sea",
    "neon city street",
    "product hero shot",
    "cozy living room",
    "mountain sunrise",
    "flat lay cosmetics",
    "coffee cup on marble",
    "summer sale poster",
    "minimal tech illustration",
    "food menu photo",
    "golden hour portrait",
    "snowy forest cabin",
]
STYLES = [
    "photorealistic",
    "studio lighting",
    "35mm film",
    "watercolor",
    "3D render",
    "pastel palette",
    "dramatic rim light",
    "top-down view",
    "wide angle",
    "soft bokeh",
]
PRESETS = [
    ("square_1024", 1024, 1024),
    ("instagram_square", 1080, 1080),
    ("facebook_cover", 820, 312),
    ("landscape_16_9", 1024, 576),
    ("instagram_portrait", 1080, 1350),
]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(fns: dict[str, Callable[[], Awaitable[Any]]], runs: int, warmup: int = 10) -> dict[str, list[float]]:
    """Milliseconds per call; each round calls every function once, in turn."""
    for fn in fns.values():
        for _ in range(warmup):
            await fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            start = time.perf_counter()
            await fn()
            samples[name].append((time.perf_counter() - start) * 1000)
    return samples


async def seed(pg_url: str, owner: uuid.UUID, count: int) -> dict[str, Any]:
    """COPY the rows in; returns ids the scenarios need."""
    rng = random.Random(20261126)
    conn = await asyncpg.connect(pg_url, server_settings={"search_path": "gallery"})
    try:
        now = datetime.now(UTC)
        folder_ids = [uuid.uuid4() for _ in range(FOLDERS)]
        parents = {f: folder_ids[i // 2] for i, f in enumerate(folder_ids[FOLDERS - SUBFOLDERS :])}
        await conn.copy_records_to_table(
            "folders",
            columns=["id", "owner_id", "parent_id", "name", "created_at"],
            records=[(f, owner, parents.get(f), f"폴더 {i}", now) for i, f in enumerate(folder_ids)],
        )
        tag_ids = [uuid.uuid4() for _ in range(TAGS)]
        await conn.copy_records_to_table(
            "tags",
            columns=["id", "owner_id", "name", "created_at"],
            records=[(t, owner, f"태그{i}", now) for i, t in enumerate(tag_ids)],
        )
        columns = [
            "id",
            "owner_id",
            "task_id",
            "index",
            "png_key",
            "thumb_key",
            "png_bytes",
            "width",
            "height",
            "generation_width",
            "generation_height",
            "preset",
            "prompt",
            "negative_prompt",
            "seed",
            "steps",
            "guidance_scale",
            "model",
            "engine",
            "template_id",
            "created_at",
            "ingested_at",
            "favorite",
            "note",
            "approval",
            "folder_id",
            "search_text",
            "original_missing",
            "updated_at",
        ]
        links: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, datetime]] = []
        batch: list[tuple[Any, ...]] = []
        start = now - timedelta(days=365)
        other = uuid.uuid4()
        total = count + OTHER_USER_IMAGES
        for n in range(total):
            who = owner if n < count else other
            image_id, task_id = uuid.uuid4(), uuid.uuid4()
            if rng.random() < 0.6:
                prompt = f"{rng.choice(SUBJECTS_KO)}, {rng.choice(SUBJECTS_EN)}, {rng.choice(STYLES)}"
            else:
                prompt = f"{rng.choice(SUBJECTS_EN)}, {rng.choice(STYLES)}, {rng.choice(STYLES)}"
            note = rng.choice(["고객 시안", "final draft", None, None, None]) if n % 5000 else "우주정거장 launch party"
            preset, width, height = rng.choice(PRESETS)
            created = start + timedelta(seconds=n * 365 * 86400 / total + rng.random())
            approval = rng.choice(["draft", "draft", "approved", "rejected"])
            batch.append(
                (
                    image_id,
                    who,
                    task_id,
                    0,
                    f"{who}/{task_id}/0.png",
                    f"{who}/{task_id}/0.webp",
                    1_500_000,
                    width,
                    height,
                    width,
                    height,
                    preset,
                    prompt,
                    None,
                    rng.randrange(2**32),
                    8,
                    0.0,
                    "Tongyi-MAI/Z-Image-Turbo",
                    "zimage-turbo",
                    None,
                    created,
                    created,
                    rng.random() < 0.1,
                    note,
                    approval,
                    rng.choice(folder_ids) if who == owner and rng.random() < 0.8 else None,
                    index_tokens(prompt, note),
                    False,
                    created,
                )
            )
            if who == owner:
                tagged = rng.sample(tag_ids[1:], rng.randint(0, 3))
                if rng.random() < COMMON_TAG_SHARE:
                    tagged.append(tag_ids[0])
                links += [(image_id, t, who, created) for t in tagged]
            if len(batch) == 10_000:
                await conn.copy_records_to_table("images", columns=columns, records=batch)
                batch = []
        if batch:
            await conn.copy_records_to_table("images", columns=columns, records=batch)
        await conn.copy_records_to_table(
            "image_tags", columns=["image_id", "tag_id", "owner_id", "created_at"], records=links
        )
        # what autovacuum does soon after a bulk load (visibility map for index-only scans, statistics)
        await conn.execute("VACUUM ANALYZE")
        tag_counts = await conn.fetch("SELECT tag_id, count(*) AS n FROM image_tags GROUP BY tag_id ORDER BY n DESC")
        median = tag_counts[len(tag_counts) // 2]
        pair = await conn.fetchrow(
            "SELECT a.tag_id AS a, b.tag_id AS b, count(*) AS n FROM image_tags a JOIN image_tags b "
            "ON a.image_id = b.image_id AND a.tag_id < b.tag_id WHERE a.tag_id <> $1 AND b.tag_id <> $1 "
            "GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 1",
            tag_ids[0],
        )
        both = await conn.fetchval(
            "SELECT count(*) FROM image_tags a JOIN image_tags b ON a.image_id = b.image_id "
            "WHERE a.tag_id = $1 AND b.tag_id = $2",
            median["tag_id"],
            tag_ids[0],
        )
        deep = await conn.fetchrow(
            "SELECT created_at, id FROM images WHERE owner_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1",
            owner,
            int(count * 0.9),
        )
        deep_tag = await conn.fetchrow(
            "SELECT created_at, image_id FROM image_tags WHERE tag_id = $1 "
            "ORDER BY created_at DESC, image_id DESC OFFSET $2 LIMIT 1",
            median["tag_id"],
            int(median["n"] * 0.9),
        )
        folder_images = await conn.fetchval(
            "SELECT count(*) FROM images WHERE folder_id IN (SELECT id FROM folders WHERE id = $1 OR parent_id = $1)",
            folder_ids[0],
        )
        pks = [r["pk"] for r in await conn.fetch("SELECT pk FROM images WHERE owner_id = $1", owner)]
        sizes = await conn.fetch(
            "SELECT relname, pg_relation_size(oid) AS bytes FROM pg_class WHERE relnamespace = 'gallery'::regnamespace "
            "AND relkind IN ('r', 'i') AND pg_relation_size(oid) > 1000000 ORDER BY relname"
        )
        return {
            "tag": median["tag_id"],
            "tag_images": median["n"],
            "common_tag": tag_ids[0],
            "common_tag_images": next(r["n"] for r in tag_counts if r["tag_id"] == tag_ids[0]),
            "pair": (pair["a"], pair["b"]),
            "pair_images": pair["n"],
            "with_common": both,
            "folder": folder_ids[0],
            "folder_images": folder_images,
            "links": len(links),
            "deep": (deep["created_at"], deep["id"]),
            "deep_tag": (deep_tag["created_at"], deep_tag["image_id"]),
            "pks": pks,
            "sizes_mb": {r["relname"]: round(r["bytes"] / 2**20, 1) for r in sizes},
        }
    finally:
        await conn.close()


def compiled(stmt: Any) -> str:
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    # Databases and migrations run their own event loops: set up outside ours.
    pg_url = create_pg_database()
    data_dir = Path(tempfile.mkdtemp(prefix="gallery-bench-"))
    try:
        common: dict[str, Any] = {
            "database_url": pg_url,
            "data_dir": data_dir,
            "redis_url": None,
            "env": "development",
            "s3_endpoint_url": None,
        }
        auth_settings = AuthSettings(**common, trusted_proxies=[])
        upgrade(auth_migration_target(auth_settings))
        with serve(create_auth_app(auth_settings)) as auth_server:
            settings = Settings(**common, auth_service_url=auth_server.url, reconcile_interval_seconds=0)
            upgrade(migration_target(settings))
            with serve(create_app(settings)) as gallery_server:
                report = asyncio.run(measure(args, pg_url, settings, auth_server.url, gallery_server.url))
    finally:
        drop_pg_database(pg_url)

    print()
    print(f"{'query':<58} {'via':<8} {'p50 ms':>8} {'p95 ms':>8} {'p50×':>6} {'p95×':>6}")
    for r in report["results"]:
        print(
            f"{r['name']:<58} {r['via']:<8} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} {r['ratio']:>6.1f} "
            f"{r['p95_ratio']:>6.1f}"
        )
    print()
    for name, plan in report["plans"].items():
        print(f"--- EXPLAIN {name}\n{plan}\n")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    if report["seq_scans_on_images"]:
        print(f"FAIL: Seq Scan on images in: {', '.join(report['seq_scans_on_images'])}", file=sys.stderr)
        return 1
    return 0


async def measure(
    args: argparse.Namespace, pg_url: str, settings: Settings, auth_url: str, gallery_url: str
) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=60) as http:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        resp = await http.post(
            f"{auth_url}/api/v1/auth/register", json={"email": email, "password": PASSWORD, "display_name": "Bench"}
        )
        resp.raise_for_status()
        owner = uuid.UUID(resp.json()["id"])
        resp = await http.post(f"{auth_url}/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        resp.raise_for_status()
        token = resp.json()["access_token"]

    t0 = time.perf_counter()
    seeded = await seed(pg_url, owner, args.images)
    seed_seconds = time.perf_counter() - t0
    print(
        f"seeded {args.images:,} images (+{OTHER_USER_IMAGES:,} of another user), {FOLDERS} folders, "
        f"{TAGS} tags, {seeded['links']:,} tag links in {seed_seconds:.1f} s"
    )

    db = Database(settings.resolved_database_url(), settings.database_schema)
    rng = random.Random(7)
    tag, common, (pair_a, pair_b) = seeded["tag"], seeded["common_tag"], seeded["pair"]
    # (filter, newest first, cursor)
    scenarios: dict[str, tuple[ImageFilter, bool, tuple[datetime, uuid.UUID] | None]] = {
        "first page": (ImageFilter(), True, None),
        "first page, oldest first": (ImageFilter(), False, None),
        "deep page (cursor at 90%)": (ImageFilter(), True, seeded["deep"]),
        f"tag filter (a tag on {seeded['tag_images']} images)": (ImageFilter(tag_ids=[tag]), True, None),
        "tag filter, oldest first": (ImageFilter(tag_ids=[tag]), False, None),
        "tag filter, deep page (cursor at 90% of the tag)": (ImageFilter(tag_ids=[tag]), True, seeded["deep_tag"]),
        f"common tag (on {seeded['common_tag_images']} images)": (ImageFilter(tag_ids=[common]), True, None),
        f"two tags AND: common + the tag ({seeded['with_common']} images)": (
            ImageFilter(tag_ids=[common, tag]),
            True,
            None,
        ),
        "two tags AND: the tag + common (the other order)": (ImageFilter(tag_ids=[tag, common]), True, None),
        "two tags AND: common + the tag, deep page (cursor at 90% of the tag)": (
            ImageFilter(tag_ids=[common, tag]),
            True,
            seeded["deep_tag"],
        ),
        f"two tags AND: two ordinary tags ({seeded['pair_images']} images)": (
            ImageFilter(tag_ids=[pair_a, pair_b]),
            True,
            None,
        ),
        f"folder with 2 subfolders ({seeded['folder_images']} images)": (
            ImageFilter(folder_ids=[seeded["folder"]]),
            True,
            None,
        ),
        "text search '야경'": (ImageFilter(terms=query_terms("야경")), True, None),
        "text search 'bicyc'": (ImageFilter(terms=query_terms("bicyc")), True, None),
        "text search, rare '우주정거'": (ImageFilter(terms=query_terms("우주정거")), True, None),
    }
    plans: dict[str, str] = {}
    seq_scans: list[str] = []

    async def explain(stmt: Any) -> str:
        async with db.engine.connect() as conn:
            rows = (await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + compiled(stmt))).all()
        return "\n".join(r[0] for r in rows)

    async def reference() -> None:
        pks = rng.sample(seeded["pks"], PAGE)
        async with db.unit_of_work() as session:
            (await session.execute(select(GalleryImage).where(GalleryImage.pk.in_(pks)))).scalars().all()

    def scenario(filters: ImageFilter, newest_first: bool, after: Any) -> Callable[[], Awaitable[None]]:
        cursor = encode_cursor(*after) if after else None

        async def run() -> None:
            async with db.unit_of_work() as session:
                rows, _ = await service.list_own(
                    session, owner, filters, newest_first=newest_first, limit=PAGE, cursor=cursor
                )
                assert rows, "a scenario found nothing; the benchmark would measure an empty page"

        return run

    http = httpx.AsyncClient(base_url=gallery_url, timeout=60, headers={"Authorization": f"Bearer {token}"})

    async def first_page_http() -> None:
        r = await http.get("/api/v1/gallery/images", params={"limit": PAGE})
        assert r.status_code == 200 and len(r.json()["items"]) == PAGE, r.text

    http_name = "first page (GET /api/v1/gallery/images, 50 items)"
    ref_name = "reference: 50 rows by primary key"
    try:
        samples = await timed(
            {ref_name: reference, **{name: scenario(*s) for name, s in scenarios.items()}, http_name: first_page_http},
            args.runs,
        )
        plans["reference"] = await explain(select(GalleryImage).where(GalleryImage.pk.in_(seeded["pks"][:PAGE])))
        for name, (filters, newest_first, after) in scenarios.items():
            async with db.unit_of_work() as session:  # the service adds a folder's subfolders to the filter
                folder_ids = await folders.with_subfolders(session, owner, filters.folder_ids)
            stmt = repo.list_statement(
                "postgresql",
                owner,
                replace(filters, folder_ids=folder_ids),
                newest_first=newest_first,
                limit=PAGE + 1,
                after=after,
            )
            plans[name] = await explain(stmt)
            if "Seq Scan on images" in plans[name]:
                seq_scans.append(name)
    finally:
        await http.aclose()
        await db.dispose()

    ref_p50, ref_p95 = statistics.median(samples[ref_name]), percentile(samples[ref_name], 0.95)
    results: list[dict[str, Any]] = []
    for name, ms in samples.items():
        via = "HTTP" if name == http_name else "database" if name == ref_name else "service"
        p50, p95 = statistics.median(ms), percentile(ms, 0.95)
        results.append(
            {"name": name, "via": via, "p50_ms": p50, "p95_ms": p95, "ratio": p50 / ref_p50, "p95_ratio": p95 / ref_p95}
        )
    return {
        "images": args.images,
        "other_user_images": OTHER_USER_IMAGES,
        "folders": FOLDERS,
        "subfolders": SUBFOLDERS,
        "tags": TAGS,
        "tag_links": seeded["links"],
        "relation_sizes_mb": seeded["sizes_mb"],
        "runs": args.runs,
        "page": PAGE,
        "seed_seconds": round(seed_seconds, 1),
        "machine": {
            "cpu": _cpu(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": await _pg_version(pg_url),
            "platform": platform.platform(),
        },
        "results": results,
        "plans": plans,
        "seq_scans_on_images": seq_scans,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


async def _pg_version(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    sys.exit(main())
