"""Password hashing (argon2id, ASVS 11.4.2 parameters) and the policy new passwords must meet."""

from __future__ import annotations

import asyncio
import re
from functools import cache
from importlib.resources import files

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from zimage_auth.users.errors import WeakPassword

MIN_LENGTH = 10
MAX_LENGTH = 128
# Shorter local parts ("jo") would forbid too many ordinary passwords to be worth checking.
MIN_CHECKED_LOCAL_PART = 3

_hasher = PasswordHash((Argon2Hasher(memory_cost=19456, time_cost=2, parallelism=1),))

# Frequent leaked passwords that pass the length and character rules; compared case-insensitively.
COMMON_PASSWORDS = frozenset(
    line.strip().lower()
    for line in (files("zimage_auth.users") / "common_passwords.txt").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


def policy_violation(password: str, email: str) -> str | None:
    """The first rule `password` breaks, in words a user can act on; None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"Password must be at most {MAX_LENGTH} characters long"
    local_part = email.rsplit("@", 1)[0].lower()
    if len(local_part) >= MIN_CHECKED_LOCAL_PART and local_part in password.lower():
        return "Password must not contain the name part of your email address"
    if password.lower() in COMMON_PASSWORDS:
        return "Password is too common; choose one that is harder to guess"
    if not re.search(r"[^\W\d_]", password) or not re.search(r"[\d\W_]", password):
        return "Password must contain a letter and a digit or symbol"
    return None


def check_policy(password: str, email: str) -> None:
    reason = policy_violation(password, email)
    if reason:
        raise WeakPassword(reason)


async def hash_password(password: str) -> str:
    # argon2 releases the GIL; a thread keeps the event loop responsive while it works.
    return await asyncio.to_thread(_hasher.hash, password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("dummy password for timing equalisation 9")


async def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(valid, rehashed): verifies against a dummy hash when there is no account, so timing matches."""
    if password_hash is None:
        await asyncio.to_thread(_hasher.verify, password, _dummy_hash())
        return False, None
    return await asyncio.to_thread(_hasher.verify_and_update, password, password_hash)


async def warm_up() -> None:
    """Compute the dummy hash at startup, so the first unknown-address login is not slower than the rest."""
    await asyncio.to_thread(_dummy_hash)
