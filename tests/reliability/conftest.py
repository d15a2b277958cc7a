"""One platform per test module: the real `make dev` supervisor on a private Redis and a throwaway
PostgreSQL database, with short leases and sweeps so faults heal in seconds rather than minutes.

A module may set `STACK_ENV = {...}` to add or override environment variables for its stack.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.reliability.helpers import Api, wait_worker_ready
from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.redis_server import RedisServer
from tests.support.stack import Stack

FAST_HEALING = {
    "IMAGE_LEASE_SECONDS": "3",
    "WORKER_HEARTBEAT_SECONDS": "0.5",
    "IMAGE_REPUBLISH_AFTER_SECONDS": "4",
    "IMAGE_SWEEP_INTERVAL_SECONDS": "1",
    "IMAGE_RELAY_INTERVAL_SECONDS": "0.3",
    "WORKER_FAULT_INJECTION": "true",
    "IMAGE_MAX_ACTIVE_TASKS": "50",
    "IMAGE_DAILY_IMAGE_QUOTA": "10000",
    # the suite polls often; the gateway's edge budgets are not what it tests
    "GATEWAY_RATE_LIMIT_IP": "100000/minute",
    "GATEWAY_RATE_LIMIT_USER": "100000/minute",
    # the tiny engine's small matrices: on a busy 2-core machine two torch threads wait on each other, and a
    # 256² task took 0.4–3 s instead of 0.08 s
    "OMP_NUM_THREADS": "1",
    # every pool process the suite kills imports torch and diffusers anew: 11 s compiling them from source
    # where PYTHONDONTWRITEBYTECODE is set (as on the development machine) and nothing is compiled, 5 s from
    # bytecode; kept outside the virtual environment
    "PYTHONDONTWRITEBYTECODE": "",
    "PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / "zimage-test-pycache"),
}


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A private redis-server with AOF on: kill tests never touch the machine's shared Redis."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_pg() -> Iterator[str]:
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, broker: RedisServer, module_pg: str
) -> Iterator[Stack]:
    data_dir: Path = tmp_path_factory.mktemp("reliability") / "data"
    data_dir.mkdir()
    env = FAST_HEALING | {"DATABASE_URL": module_pg, "REDIS_URL": broker.url} | getattr(request.module, "STACK_ENV", {})
    s = Stack(data_dir, env).start()
    try:
        wait_worker_ready(s)
        yield s
    finally:
        if not broker.running:  # a failed test may leave the broker down; the stack stops cleaner with it
            broker.start()
        s.stop()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    # every call has a deadline: a hang fails the test instead of stalling the suite
    with httpx.Client(timeout=httpx.Timeout(20.0)) as c:
        yield c


@pytest.fixture
def api(stack: Stack, client: httpx.Client) -> Api:
    """A fresh user, so each test sees only its own tasks and objects."""
    return Api(stack, client)
