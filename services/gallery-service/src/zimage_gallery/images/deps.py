"""Annotated dependencies for what the composition root (main.py) put on app.state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from zimage_common.objects import ObjectStore

from zimage_gallery.config import Settings
from zimage_gallery.provenance.c2pa_signing import ManifestSigner


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> ObjectStore:
    return request.app.state.store


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[ObjectStore, Depends(_store)]


def _signer(request: Request) -> ManifestSigner | None:
    return request.app.state.signer


SignerDep = Annotated[ManifestSigner | None, Depends(_signer)]
