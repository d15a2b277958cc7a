"""What the GPU machine lacks, stood in for: zimage_common.errors needs FastAPI and SQLAlchemy, which are not
installed there, while the worker code the benchmarks run needs only its ServiceUnavailable (the error the
Runner retries uploads on and the queue module raises)."""

from __future__ import annotations

import sys
import types


def shim_errors() -> None:
    try:
        import zimage_common.errors  # noqa: F401
    except ImportError:
        shim = types.ModuleType("zimage_common.errors")

        class ServiceUnavailable(Exception):
            pass

        shim.ServiceUnavailable = ServiceUnavailable  # type: ignore[attr-defined]
        sys.modules["zimage_common.errors"] = shim
