"""The real engine: Z-Image-Turbo from local weights, bf16 on the GPU."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import torch

from zimage_worker.engine.base import Engine, ModelNotAvailable, pick_device
from zimage_worker.engine.optimize import EngineOptions, plan_memory
from zimage_worker.weights import HOW_TO_GET_WEIGHTS, MODEL_REPO_ID, locate_weights

if TYPE_CHECKING:
    from diffusers.pipelines.z_image.pipeline_z_image import ZImagePipeline

log = logging.getLogger(__name__)

# Below 32 GiB of GPU memory (an RTX 3090 has 24 GB) large images decode in overlapping tiles: with all
# three models resident (19.3 GiB) a 2048² decode peaks at 28.8 GiB, tiled at 21.7 GiB. Tiling changes
# the pixels of images over 1024 px a side slightly (blended tile seams), so larger cards decode whole.
# The plan (optimize.plan_memory) sets EngineOptions.vae_tiling and the memory mode.


class ZImageTurboEngine(Engine):
    name: ClassVar[str] = "zimage-turbo"

    def __init__(
        self,
        model_path: str | Path | None = None,
        device: str | torch.device | None = None,
        *,
        options: EngineOptions | None = None,
        pipeline: ZImagePipeline | None = None,
    ) -> None:
        """`options` None: the measured defaults for the device. `pipeline`: an already-built pipeline
        (the GPU benchmark's random-weight model) used instead of loading weights from disk."""
        super().__init__(model_id=MODEL_REPO_ID, device=pick_device(device), options=options)
        self.model_path = model_path
        self._given_pipeline = pipeline

    def _load_pipeline(self) -> ZImagePipeline:
        from diffusers.pipelines.z_image.pipeline_z_image import ZImagePipeline

        if self._given_pipeline is not None:
            pipeline, self._given_pipeline = self._given_pipeline, None
            return pipeline.to(self.device)
        folder = locate_weights(self.model_path)
        if folder is None:
            where = f"MODEL_PATH={self.model_path}" if self.model_path else "no MODEL_PATH"
            raise ModelNotAvailable(
                f"Z-Image-Turbo weights not found ({where}; Hugging Face cache checked). {HOW_TO_GET_WEIGHTS}"
            )
        if self.device.type == "cpu":
            log.warning("no CUDA device: Z-Image-Turbo runs on the CPU and takes minutes per image")
        log.info("loading Z-Image-Turbo from %s onto %s", folder, self.device)
        # bf16 always: fp16 overflows in this model and decodes to black images.
        pipeline = ZImagePipeline.from_pretrained(folder, dtype=torch.bfloat16, local_files_only=True)
        if self.options is None:
            self.options = EngineOptions.for_device(self.device)
        if self.device.type == "cuda":
            log.info("memory plan: %s", plan_memory(torch.cuda.get_device_properties(self.device).total_memory).reason)
            if self.options.memory_mode == "offload_text_encoder":
                # The text encoder stays in host memory; PromptEncoder brings it in per uncached prompt.
                pipeline.transformer.to(self.device)
                pipeline.vae.to(self.device)
                return pipeline
        return pipeline.to(self.device)
