"""Annotated dependencies for what the composition root (main.py) put on app.state."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request
from zimage_common.errors import Unauthorized
from zimage_common.events import EventBus
from zimage_common.objects import ObjectStore

from zimage_image.config import Settings


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _bus(request: Request) -> EventBus:
    return request.app.state.bus


def _store(request: Request) -> ObjectStore:
    return request.app.state.store


async def _internal_caller(request: Request, x_internal_token: Annotated[str | None, Header()] = None) -> None:
    expected = _settings(request).internal_token
    if not x_internal_token or not hmac.compare_digest(x_internal_token.encode(), expected.encode()):
        raise Unauthorized("internal route: service token required")


SettingsDep = Annotated[Settings, Depends(_settings)]
BusDep = Annotated[EventBus, Depends(_bus)]
StoreDep = Annotated[ObjectStore, Depends(_store)]
InternalCaller = Depends(_internal_caller)
