"""Errors the account routes and functions answer with."""

from __future__ import annotations

from zimage_common.errors import Conflict, Forbidden, NotFound, Unprocessable


class EmailTaken(Conflict):
    code = "EmailTaken"

    def __init__(self) -> None:
        super().__init__("An account with this email address already exists")


class WeakPassword(Unprocessable):
    code = "WeakPassword"


class AccountDisabled(Forbidden):
    code = "AccountDisabled"

    def __init__(self) -> None:
        super().__init__("This account has been deactivated; contact an administrator")


class WrongCurrentPassword(Forbidden):
    code = "WrongCurrentPassword"

    def __init__(self) -> None:
        super().__init__("The current password is incorrect")


class UserNotFound(NotFound):
    code = "UserNotFound"

    def __init__(self) -> None:
        super().__init__("No such user")
