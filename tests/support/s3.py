"""An S3 API on loopback for tests: moto in server mode, in a background thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

# Any credentials work with moto; real ones never belong in tests.
S3_TEST_REGION = "us-east-1"
S3_TEST_ACCESS_KEY = "test-access-key"
S3_TEST_SECRET_KEY = "test-secret-key"


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto's S3 server on 127.0.0.1 (an OS-chosen port) and yield its endpoint URL.

    Raises RuntimeError if it does not come up: tests that need S3 must fail, not skip.
    """
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per S3 call otherwise

    # Port 0: the OS picks a free port at bind time, so parallel runs cannot collide.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    # ThreadedMotoServer.start() waits forever if binding fails; bound the wait ourselves.
    starter = threading.Thread(target=server.start, daemon=True)
    starter.start()
    starter.join(timeout=30)
    if starter.is_alive():
        raise RuntimeError("moto S3 server did not start within 30 s")
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        httpx.get(f"{endpoint}/moto-api/", timeout=10).raise_for_status()
    except httpx.HTTPError as exc:
        server.stop()
        raise RuntimeError(f"moto S3 server at {endpoint} is not answering: {exc}") from exc
    try:
        yield endpoint
    finally:
        server.stop()
