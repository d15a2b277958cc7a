"""Annotated dependencies for what the composition root (main.py) put on app.state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from zimage_common.objects import ObjectStore

from zimage_gallery.config import Settings


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> ObjectStore:
    return request.app.state.store


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[ObjectStore, Depends(_store)]
