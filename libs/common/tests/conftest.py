"""Fixtures for libs/common: an S3 server on loopback (moto, server mode) shared by the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.s3 import moto_server


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint
