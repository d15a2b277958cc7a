"""The password policy's rules and the stored hash's parameters (ASVS 11.4.2)."""

from __future__ import annotations

import pytest
from zimage_auth.users.passwords import hash_password, policy_violation, verify_password


@pytest.mark.parametrize(
    "password",
    ["Abcdefgh1!", "correct horse battery", "비밀번호는길어야합니다1", "x" * 127 + "1", "lantern_moonlight"],
)
def test_acceptable_passwords(password: str) -> None:
    assert policy_violation(password, "kim@example.com") is None


@pytest.mark.parametrize(
    ("password", "email", "words"),
    [
        ("Abcdefg1!", "kim@example.com", "at least 10"),
        ("a1" * 64 + "x", "kim@example.com", "at most 128"),
        ("my-JOHNDOE-pass-1", "johndoe@example.com", "name part"),
        ("QWERTY123456", "kim@example.com", "too common"),
        ("abcdefghijkl", "kim@example.com", "a letter and a digit or symbol"),
        ("!!!!!!!!!!!!", "kim@example.com", "a letter and a digit or symbol"),
    ],
)
def test_rejected_passwords_say_why(password: str, email: str, words: str) -> None:
    reason = policy_violation(password, email)
    assert reason is not None and words in reason


def test_short_local_parts_are_not_checked() -> None:
    assert policy_violation("jo-likes-tea-42", "jo@example.com") is None


async def test_hash_is_argon2id_with_the_baseline_parameters() -> None:
    hashed = await hash_password("Tangerine-bicycle-42")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert await verify_password("Tangerine-bicycle-42", hashed) == (True, None)
    assert (await verify_password("tangerine-bicycle-42", hashed))[0] is False
    assert await verify_password("anything", None) == (False, None)
