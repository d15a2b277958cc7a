"""Fixtures for suites that run on {SQLite, PostgreSQL} × {local folder, S3 (moto)}.

Import them into a test module (`from tests.support.object_store_matrix import ...`) to override the
service suite's own `database_url` and `data_dir` with one per backend and object store.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.s3 import S3_TEST_ACCESS_KEY, S3_TEST_REGION, S3_TEST_SECRET_KEY, moto_server


@pytest.fixture(scope="module", params=["local", "s3"])
def gallery_overrides(request: pytest.FixtureRequest, backend: str) -> Iterator[dict[str, Any]]:
    """The object store: the local folder, or a bucket of its own per database backend on moto."""
    if request.param == "local":
        yield {}
        return
    with moto_server() as endpoint:
        yield {
            "s3_endpoint_url": endpoint,
            "s3_bucket": f"gallery-{backend}-{uuid.uuid4().hex[:12]}",
            "s3_region": S3_TEST_REGION,
            "s3_access_key": S3_TEST_ACCESS_KEY,
            "s3_secret_key": S3_TEST_SECRET_KEY,
        }


@pytest.fixture(scope="module")
def database_url(backend: str, gallery_overrides: dict[str, Any]) -> Iterator[str | None]:
    """A database per backend and object store: records must match the store they were seeded in."""
    if backend == "sqlite":
        yield None
        return
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, backend: str, gallery_overrides: dict[str, Any]) -> Path:
    store = "s3" if gallery_overrides else "local"
    path = tmp_path_factory.mktemp(f"gallery-{backend}-{store}") / "data"
    path.mkdir()
    return path
