"""What every engine offers: one request in, PIL images out, with per-step progress and cancellation."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from zimage_common.sizes import MAX_SIDE, MIN_SIDE, MULTIPLE, is_valid_generation_size

from zimage_worker.engine.optimize import (
    EngineOptions,
    PromptEncoder,
    StageClock,
    TextEncoderOffload,
    apply_transformer_options,
    apply_vae_options,
    decode_latents,
    merged_sigmas,
    pin_execution_device,
    to_pil,
    uncompile_transformer,
)

if TYPE_CHECKING:
    from diffusers.pipelines.z_image.pipeline_z_image import ZImagePipeline
    from PIL import Image


log = logging.getLogger(__name__)

StepCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]

MAX_IMAGES = 4
MAX_STEPS = 50
MAX_SEED = 2**63 - 1
DEFAULT_STEPS = 8  # Z-Image-Turbo is distilled for 8 steps
DEFAULT_GUIDANCE = 0.0  # Turbo runs without classifier-free guidance
WARMUP_STEPS = 2
MAX_SEQUENCE_LENGTH = 512  # prompt tokens the pipeline keeps (chat template included); the rest is cut


class ModelNotAvailable(RuntimeError):
    """The Z-Image-Turbo weights are not on this machine; the message says how to get them."""


class GenerationCanceled(Exception):
    """The caller asked to stop; the run was abandoned and produced nothing."""


def image_seeds(seed: int, num_images: int) -> list[int]:
    """Image i of a request uses seed + i, so any single image can be regenerated on its own."""
    return [(seed + i) % (MAX_SEED + 1) for i in range(num_images)]


def random_seed() -> int:
    return secrets.randbelow(2**32)


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    width: int = 1024
    height: int = 1024
    negative_prompt: str = ""
    num_images: int = 1
    seed: int = field(default_factory=random_seed)
    steps: int = DEFAULT_STEPS
    guidance_scale: float = DEFAULT_GUIDANCE

    def __post_init__(self) -> None:
        # Multiples of 16: the VAE downscales by 8 and the transformer packs 2x2 latent patches.
        if not is_valid_generation_size(self.width, self.height):
            raise ValueError(
                f"width and height must be multiples of {MULTIPLE} within {MIN_SIDE}-{MAX_SIDE}, "
                f"got {self.width}x{self.height}"
            )
        if not 1 <= self.num_images <= MAX_IMAGES:
            raise ValueError(f"num_images must be within 1-{MAX_IMAGES}, got {self.num_images}")
        if not 1 <= self.steps <= MAX_STEPS:
            raise ValueError(f"steps must be within 1-{MAX_STEPS}, got {self.steps}")
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed must be within 0-{MAX_SEED}, got {self.seed}")
        if self.guidance_scale < 0:
            raise ValueError(f"guidance_scale must not be negative, got {self.guidance_scale}")

    @property
    def seeds(self) -> list[int]:
        return image_seeds(self.seed, self.num_images)


class Engine(ABC):
    """A text-to-image engine, loaded once per process and reused for every task.

    Both engines run diffusers' `ZImagePipeline`; they differ only in where the pipeline comes from.
    """

    name: ClassVar[str]

    def __init__(self, model_id: str, device: torch.device, options: EngineOptions | None = None) -> None:
        self.model_id = model_id
        self.device = device
        # None: the measured defaults for this device, chosen at load (EngineOptions.for_device).
        self.options = options
        self.applied: dict[str, Any] = {}  # what load() switched on, for logs and the benchmark
        self.last_timings: dict[str, float] = {}  # seconds per stage of the last generate()
        self.ready_seconds: float | None = None  # load + warm-up, for the start-up report
        # Called with `last_timings` after every generate() (metrics, the benchmark's GPU-busy count).
        self.on_timings: Callable[[dict[str, float]], None] | None = None
        self.prompt_encoder: PromptEncoder | None = None
        self._pipeline: ZImagePipeline | None = None
        self._load_lock = threading.Lock()
        # One generation at a time on the device; image encoding and upload of another task run meanwhile.
        self._gpu_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._pipeline is not None

    def load(self) -> None:
        """Load the pipeline onto the device; later calls do nothing."""
        with self._load_lock:
            if self._pipeline is None:
                with _quiet_progress_bars():
                    pipeline = self._load_pipeline()
                pipeline.set_progress_bar_config(disable=True)  # workers log steps through on_step instead
                # Decode a batch one image at a time: same pixels, same speed, and 4 images at 1024²
                # peak at the memory of one (measured on an H200: 27.3 GiB -> 21.7 GiB).
                pipeline.vae.enable_slicing()
                self._apply_options(pipeline)
                self._pipeline = pipeline

    def _apply_options(self, pipeline: ZImagePipeline) -> None:
        if self.options is None:
            self.options = EngineOptions.for_device(self.device)
        options = self.options
        self.prompt_encoder = PromptEncoder(
            pipeline, trim=options.trim_text_encoder, cache_size=options.prompt_cache_size
        )
        applied: dict[str, Any] = {
            "trim_text_encoder": options.trim_text_encoder,
            "prompt_cache_size": options.prompt_cache_size,
            "gpu_postprocess": options.gpu_postprocess,
            "memory_mode": options.memory_mode,
            "merged_steps": options.merged_steps,
        }
        pin_execution_device(pipeline, self.device)
        applied.update(apply_transformer_options(pipeline, options))
        applied.update({f"vae_{k}": v for k, v in apply_vae_options(pipeline, options).items()})
        if options.memory_mode == "offload_text_encoder" and self.device.type == "cuda":
            TextEncoderOffload(pipeline, self.device).install(self.prompt_encoder)
        self.applied = applied

    @abstractmethod
    def _load_pipeline(self) -> ZImagePipeline: ...

    def warmup(self) -> None:
        """One small generation, so the first real task does not pay for lazy initialisation; with a
        compiled transformer, also one per common size, so no task waits for a compilation."""
        started = time.perf_counter()
        self.load()
        try:
            self.generate(GenerationRequest(prompt="warmup", width=256, height=256, seed=0, steps=WARMUP_STEPS))
            if self.options is not None and (self.options.compile_transformer or self.options.vae_compile):
                # Two steps compile everything eight would (same shapes); the rest would only cost time.
                for width, height, count in self.options.warmup_sizes:
                    self.generate(
                        GenerationRequest(
                            prompt="warmup", width=width, height=height, num_images=count, seed=0, steps=WARMUP_STEPS
                        )
                    )
        except Exception:
            compiled = self.options is not None and (self.options.compile_transformer or self.options.vae_compile)
            if self.options is None or not compiled or self._pipeline is None:
                raise
            # A compiler failure must not take the worker down: run eagerly (slower, same images).
            log.exception("compiled warm-up failed; the transformer runs eagerly")
            uncompile_transformer(self._pipeline)
            self.options = replace(self.options, compile_transformer=False, vae_compile=False)
            self.applied["compiled"] = "failed; eager"
            self.generate(GenerationRequest(prompt="warmup", width=256, height=256, seed=0))
        if self.prompt_encoder is not None:
            self.prompt_encoder.clear()
        self.ready_seconds = time.perf_counter() - started

    def generate(
        self,
        request: GenerationRequest,
        on_step: StepCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> list[Image.Image]:
        """Run one request. `on_step(i, n)` follows step i of n; `should_cancel()` is asked before the
        run and after every step, and a True answer raises `GenerationCanceled`. Per-stage times of the
        run land in `last_timings` (text_encode, denoise, vae_decode, to_image, total)."""
        with self._gpu_lock, torch.no_grad():
            clock = StageClock(self.device)
            latents = self._denoise(request, on_step, should_cancel, clock)
            assert self._pipeline is not None and self.options is not None
            decoded = decode_latents(self._pipeline, latents, channels_last=self.options.vae_channels_last)
            clock.mark("vae_decode")
            images = to_pil(decoded, self.options.gpu_postprocess, self._pipeline)
            clock.mark("to_image")
            self.last_timings = clock.result()
        if self.on_timings is not None:
            self.on_timings(dict(self.last_timings, images=float(len(images))))
        for image, seed in zip(images, request.seeds, strict=True):
            image.info.update({"engine": self.name, "model": self.model_id, "seed": str(seed)})
        return images

    def generate_latents(
        self,
        request: GenerationRequest,
        on_step: StepCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> torch.Tensor:
        """The denoised latents [num_images, 16, H/8, W/8] (float32), before the VAE: what the benchmark
        compares between the plain pipeline and this engine."""
        with self._gpu_lock:
            clock = StageClock(self.device)
            latents = self._denoise(request, on_step, should_cancel, clock)
            self.last_timings = clock.result()
        return latents

    def _denoise(
        self,
        request: GenerationRequest,
        on_step: StepCallback | None,
        should_cancel: CancelCheck | None,
        clock: StageClock,
    ) -> torch.Tensor:
        self.load()
        assert self._pipeline is not None and self.prompt_encoder is not None
        if should_cancel is not None and should_cancel():
            raise GenerationCanceled("canceled before the run started")
        sigmas = merged_sigmas(request.steps, self.options.merged_steps if self.options is not None else 0)
        steps = request.steps if sigmas is None else len(sigmas)  # transformer evaluations

        def on_step_end(
            _pipeline: Any, step_index: int, _timestep: Any, callback_kwargs: dict[str, Any]
        ) -> dict[str, Any]:
            if on_step is not None:
                on_step(step_index + 1, steps)
            if should_cancel is not None and should_cancel():
                raise GenerationCanceled(f"canceled after step {step_index + 1} of {steps}")
            return callback_kwargs

        device = self._pipeline._execution_device
        with torch.no_grad():
            prompt_embeds = [self.prompt_encoder.encode(request.prompt, device, MAX_SEQUENCE_LENGTH)]
            negative_embeds = None
            if request.guidance_scale > 0:  # the pipeline encodes "" for a missing negative prompt
                negative_embeds = [self.prompt_encoder.encode(request.negative_prompt, device, MAX_SEQUENCE_LENGTH)]
        clock.mark("text_encode")
        # CPU generators give the same noise for a seed on every device and card.
        generators = [torch.Generator(device="cpu").manual_seed(seed) for seed in request.seeds]
        output = self._pipeline(
            prompt=None,
            prompt_embeds=prompt_embeds,
            negative_prompt_embeds=negative_embeds,
            height=request.height,
            width=request.width,
            num_inference_steps=steps,
            sigmas=sigmas,
            guidance_scale=request.guidance_scale,
            num_images_per_prompt=request.num_images,
            generator=generators,
            callback_on_step_end=on_step_end,
            max_sequence_length=MAX_SEQUENCE_LENGTH,
            output_type="latent",
        )
        clock.mark("denoise")
        latents: torch.Tensor = output.images
        return latents


@contextmanager
def _quiet_progress_bars() -> Iterator[None]:
    """Loading draws tqdm bars per component and per shard; worker logs want none of them."""
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    diffusers_enabled = diffusers_logging.is_progress_bar_enabled()
    transformers_enabled = transformers_logging.is_progress_bar_enabled()
    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if diffusers_enabled:
            diffusers_logging.enable_progress_bar()
        if transformers_enabled:
            transformers_logging.enable_progress_bar()


def pick_device(device: str | torch.device | None = None) -> torch.device:
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
