"""Password hashing (argon2id, ASVS 11.4.2 parameters) and the policy new passwords must meet."""

from __future__ import annotations

import asyncio
import re
from functools import cache

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
    {
        "password1!", "password12", "password123", "password1234", "password12345", "password123!",
        "passw0rd123", "p@ssw0rd123", "p@ssword123", "1234567890a", "a1234567890", "abc1234567",
        "abcd123456", "abcdef1234", "qwerty12345", "qwerty123456", "qwertyuiop1", "qwertyuiop123",
        "1qaz2wsx3edc", "1q2w3e4r5t", "1q2w3e4r5t6y", "q1w2e3r4t5", "q1w2e3r4t5y6", "zaq12wsxcde3",
        "iloveyou12", "iloveyou123", "welcome123", "welcome1234", "letmein123", "letmein1234",
        "admin12345", "admin123456", "administrator1", "changeme123", "changeme1!", "trustno1234",
        "football123", "baseball123", "sunshine123", "princess123", "dragon12345", "monkey12345",
        "master12345", "superman123", "batman12345", "starwars123", "computer123", "internet123",
        "michael1234", "jennifer123", "shadow12345", "hello12345", "hello123456", "whatever123",
        "freedom1234", "samsung1234", "google12345", "secret12345", "summer2024!", "summer2025!",
        "winter2024!", "spring2025!", "autumn2025!", "zimage12345", "marketing123", "company123",
        "qwer1234!@#$", "asdf1234!@#$", "!qaz2wsx#edc", "test123456", "testing1234", "user123456",
        "login123456", "pass123456", "passpass12", "aaaaaaaaa1", "asdfghjkl1", "asdfghjkl123",
        "zxcvbnm123", "zxcvbnm1234", "1234qwerasdf", "qazwsx12345", "000000000a", "111111111a",
    }
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
