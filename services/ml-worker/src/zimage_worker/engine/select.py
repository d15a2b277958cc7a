"""Pick the engine a worker process runs, from ZIMAGE_ENGINE and what is on disk."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import torch

from zimage_worker.engine.base import Engine, ModelNotAvailable
from zimage_worker.engine.tiny import TinyEngine
from zimage_worker.engine.turbo import ZImageTurboEngine
from zimage_worker.weights import HOW_TO_GET_WEIGHTS, weights_present

log = logging.getLogger(__name__)

EngineName = Literal["auto", "zimage-turbo", "tiny"]
ENGINE_NAMES: tuple[EngineName, ...] = ("auto", "zimage-turbo", "tiny")


def select_engine(
    name: str = "auto",
    model_path: str | Path | None = None,
    production: bool = False,
    cache_dir: Path | None = None,
    device: str | torch.device | None = None,
) -> Engine:
    """The engine to run, not loaded yet.

    `auto` takes Z-Image-Turbo when its weights are on disk; otherwise the tiny engine with a loud
    warning, except in production, where it raises `ModelNotAvailable` instead of serving noise.
    """
    if name not in ENGINE_NAMES:
        raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
    if name == "tiny":
        return TinyEngine(cache_dir=cache_dir, device=device)
    if weights_present(model_path):
        return ZImageTurboEngine(model_path=model_path, device=device)
    where = f"at MODEL_PATH={model_path} or " if model_path else ""
    if name == "zimage-turbo":
        raise ModelNotAvailable(
            f"ZIMAGE_ENGINE=zimage-turbo but no Z-Image-Turbo weights {where}in the Hugging Face cache. "
            + HOW_TO_GET_WEIGHTS
        )
    if production:
        raise ModelNotAvailable(
            f"No Z-Image-Turbo weights {where}in the Hugging Face cache, and production mode never falls "
            "back to the tiny engine. " + HOW_TO_GET_WEIGHTS
        )
    log.warning(
        "NO Z-IMAGE-TURBO WEIGHTS %sIN THE HUGGING FACE CACHE: falling back to the TINY engine, whose "
        "images are random noise (labelled engine=tiny). %s",
        f"AT MODEL_PATH={model_path} OR " if model_path else "",  # the path keeps its case
        HOW_TO_GET_WEIGHTS,
    )
    return TinyEngine(cache_dir=cache_dir, device=device)
