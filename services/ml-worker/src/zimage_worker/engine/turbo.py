"""The real engine: Z-Image-Turbo from local weights, bf16 on the GPU."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import torch

from zimage_worker.engine.base import Engine, ModelNotAvailable, pick_device
from zimage_worker.weights import HOW_TO_GET_WEIGHTS, MODEL_REPO_ID, locate_weights

if TYPE_CHECKING:
    from diffusers.pipelines.z_image.pipeline_z_image import ZImagePipeline

log = logging.getLogger(__name__)

# Below this much GPU memory (an RTX 3090 has 24 GB) decode in overlapping tiles: with all three models
# resident (19.3 GiB) a 2048² decode peaks at 28.8 GiB, tiled at 21.7 GiB. Tiling changes the pixels
# of images over 1024 px a side slightly (blended tile seams), so larger cards decode whole.
VAE_TILING_BELOW_BYTES = 32 * 2**30


class ZImageTurboEngine(Engine):
    name: ClassVar[str] = "zimage-turbo"

    def __init__(self, model_path: str | Path | None = None, device: str | torch.device | None = None) -> None:
        super().__init__(model_id=MODEL_REPO_ID, device=pick_device(device))
        self.model_path = model_path

    def _load_pipeline(self) -> ZImagePipeline:
        from diffusers.pipelines.z_image.pipeline_z_image import ZImagePipeline

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
        if self.device.type == "cuda":
            total = torch.cuda.get_device_properties(self.device).total_memory
            if total < VAE_TILING_BELOW_BYTES:
                log.info("GPU has %.1f GiB: decoding large images in tiles", total / 2**30)
                pipeline.vae.enable_tiling()
        return pipeline.to(self.device)
