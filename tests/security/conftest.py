"""One platform for all of tests/security: the real `make dev` supervisor with every service and the Celery
worker on the tiny engine, started once for the package.

Clients come from their own loopback addresses, because the login throttle counts failures per address:
`TESTS` for the suites' own sign-ins, `FUZZER` (127.0.0.1, what schemathesis uses) for random traffic that
fails logins on purpose, `ATTACKER` for the brute-force test.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.stack import PASSWORD, Stack

TESTS, FUZZER, ATTACKER = "127.0.0.3", "127.0.0.1", "127.0.0.2"

STACK_ENV = {
    # The fuzzer sends thousands of requests a minute; these edge budgets are not what it tests (the
    # login throttle of auth-service stays at its defaults: test_auth_limits tests it).
    "GATEWAY_RATE_LIMIT_IP": "100000/minute",
    "GATEWAY_RATE_LIMIT_USER": "100000/minute",
    "GATEWAY_RATE_LIMIT_AUTH_IP": "100000/minute",
}


def client(address: str = TESTS, **kwargs: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60, **kwargs)


@dataclass
class Account:
    email: str
    user_id: str
    headers: dict[str, str]


class Platform:
    """The running stack plus the few calls every security test needs."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.api = stack.api
        self.origin = stack.api.removesuffix("/api/v1")
        self.http = client()

    def sign_in(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        r = self.http.post(f"{self.api}/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def user(self, prefix: str = "u") -> Account:
        email = f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"
        r = self.http.post(
            f"{self.api}/auth/register", json={"email": email, "password": PASSWORD, "display_name": prefix}
        )
        assert r.status_code == 201, r.text
        headers = self.sign_in(email)
        me = self.http.get(f"{self.api}/users/me", headers=headers).json()
        return Account(email, str(me["id"]), headers)

    def admin(self) -> Account:
        email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
        subprocess.run(
            [sys.executable, "-m", "zimage_auth.cli", "create-admin", "--email", email, "--password", PASSWORD],
            cwd=self.stack.data_dir.parent,
            env=self.stack.env,
            check=True,
            capture_output=True,
        )
        headers = self.sign_in(email)
        me = self.http.get(f"{self.api}/users/me", headers=headers).json()
        return Account(email, str(me["id"]), headers)

    def operations(self) -> list[tuple[str, str]]:
        """(METHOD, path) of every operation in the merged spec."""
        methods = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
        return [(m.upper(), path) for path, item in self.spec()["paths"].items() for m in item if m in methods]

    def spec(self) -> dict[str, Any]:
        r = self.http.get(f"{self.api}/openapi.json")
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture(scope="package")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data_dir: Path = tmp_path_factory.mktemp("security") / "data"
    data_dir.mkdir()
    stack = Stack(data_dir, STACK_ENV).start()
    p = Platform(stack)
    try:
        yield p
    finally:
        p.http.close()
        stack.stop()
