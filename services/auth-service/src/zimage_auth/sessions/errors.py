"""Errors the sign-in, refresh and logout routes answer with."""

from __future__ import annotations

from zimage_common.errors import Unauthorized


class InvalidCredentials(Unauthorized):
    code = "InvalidCredentials"

    def __init__(self) -> None:
        # One message for unknown address and wrong password, so neither can be told apart.
        super().__init__("Email or password is incorrect")


class InvalidRefreshToken(Unauthorized):
    code = "InvalidRefreshToken"


class RefreshTokenReused(Unauthorized):
    code = "RefreshTokenReused"

    def __init__(self) -> None:
        super().__init__("This refresh token was already used; the session has been ended, sign in again")
