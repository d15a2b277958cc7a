"""Types for query parameters whose wire format the spec promises."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from zimage_common.db import as_utc


def _iso_only(value: object) -> object:
    # pydantic reads a bare number as seconds since 1970; the spec says an ISO 8601 date-time
    if isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit():
        raise ValueError("an ISO 8601 date-time, such as 2026-01-31 or 2026-01-31T09:00:00+09:00")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]
# The same, made timezone-aware UTC (no zone means UTC), as `db.UTCInstant`.
IsoInstant = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(as_utc)]
