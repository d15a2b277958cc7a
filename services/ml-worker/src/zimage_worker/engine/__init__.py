"""Engines that turn a generation request into images: Z-Image-Turbo, or a tiny random stand-in."""

from zimage_worker.engine.base import (
    DEFAULT_GUIDANCE,
    DEFAULT_STEPS,
    Engine,
    GenerationCanceled,
    GenerationRequest,
    ModelNotAvailable,
    image_seeds,
)
from zimage_worker.engine.select import ENGINE_NAMES, EngineName, select_engine
from zimage_worker.engine.tiny import TinyEngine, build_tiny_pipeline
from zimage_worker.engine.turbo import ZImageTurboEngine
from zimage_worker.weights import MODEL_REPO_ID, locate_weights, weights_present

__all__ = [
    "DEFAULT_GUIDANCE",
    "DEFAULT_STEPS",
    "ENGINE_NAMES",
    "MODEL_REPO_ID",
    "Engine",
    "EngineName",
    "GenerationCanceled",
    "GenerationRequest",
    "ModelNotAvailable",
    "TinyEngine",
    "ZImageTurboEngine",
    "build_tiny_pipeline",
    "image_seeds",
    "locate_weights",
    "select_engine",
    "weights_present",
]
