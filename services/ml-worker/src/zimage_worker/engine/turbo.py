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


class ZImageTurboEngine(Engine):
    name: ClassVar[str] = "zimage-turbo"

    def __init__(
        self, model_path: str | Path | None = None, device: str | torch.device | None = None
    ) -> None:
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
        return pipeline.to(self.device)
