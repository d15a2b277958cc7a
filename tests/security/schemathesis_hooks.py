"""Schemathesis hooks for test_openapi_fuzzing: sign in as the fuzzing account, and sign in again when the run
itself ends that session (it calls POST /auth/logout with its own token, as any operation may be called).

Loaded by the `st` process through the config's `hooks` key; the account comes from the environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from typing import Any

import httpx
import schemathesis

API = os.environ["ZIMAGE_FUZZ_API"]
ROLE = os.environ["ZIMAGE_FUZZ_ROLE"]  # user | admin
PASSWORD = os.environ["ZIMAGE_FUZZ_PASSWORD"]
# Sign in from an address of its own: the run's random failed logins (from 127.0.0.1) count against that
# address, and the login throttle must not lock the fuzzing account out of its own sessions.
SIGN_IN_ADDRESS = os.environ.get("ZIMAGE_FUZZ_SIGN_IN_ADDRESS", "127.0.0.3")

_lock = threading.Lock()
_state: dict[str, str | None] = {"email": os.environ["ZIMAGE_FUZZ_EMAIL"], "token": None}


def _new_account(client: httpx.Client) -> str:
    """A fresh account of the same role: the run may lock its account (ten wrong `current_password`s in
    PATCH /users/me count as failed sign-ins, as they should)."""
    email = f"fuzz-{ROLE}-{uuid.uuid4().hex[:10]}@example.com"
    if ROLE == "admin":  # the way operators create one; the stack's environment is ours
        subprocess.run(
            [sys.executable, "-m", "zimage_auth.cli", "create-admin", "--email", email, "--password", PASSWORD],
            check=True,
            capture_output=True,
        )
    else:
        r = client.post(f"{API}/auth/register", json={"email": email, "password": PASSWORD, "display_name": "F"})
        r.raise_for_status()
    return email


def _sign_in() -> str:
    transport = httpx.HTTPTransport(local_address=SIGN_IN_ADDRESS)
    with httpx.Client(transport=transport, timeout=30) as client:
        r = client.post(f"{API}/auth/login", json={"email": _state["email"], "password": PASSWORD})
        if r.status_code in (401, 403, 429):  # locked out, deactivated or demoted by the run itself
            _state["email"] = _new_account(client)
            r = client.post(f"{API}/auth/login", json={"email": _state["email"], "password": PASSWORD})
        r.raise_for_status()
        return str(r.json()["access_token"])


@schemathesis.auth(refresh_interval=None, retry_on=[])
class SignedIn:
    def get(self, case: Any, context: Any) -> str:
        with _lock:
            if _state["token"] is None:
                _state["token"] = _sign_in()
            return _state["token"]

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    # Our own token refused: the run signed itself out (logout, a password change); the next case signs in again.
    sent = (case.headers or {}).get("Authorization")
    with _lock:
        if response.status_code in (401, 403) and _state["token"] and sent == f"Bearer {_state['token']}":
            _state["token"] = None


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but the one listed (with its reason) in test_openapi_fuzzing's docstring."""
    kind, label = type(failure).__name__, case.operation.label
    # The stateful phase creates a tag and merges it into a random `into` id; the documented 404 then names
    # the missing `into` tag, not the tag it just created.
    return not (
        kind == "EnsureResourceAvailability"
        and label == "POST /api/v1/gallery/tags/{tag_id}/merge"
        and "to merge into" in response.text
    )
