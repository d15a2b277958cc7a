"""One tiny engine per test session: building it is the slow part, generating is fast."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from zimage_worker.engine import TinyEngine


@pytest.fixture(scope="session")
def tiny_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models") / "tiny-zimage"


@pytest.fixture(scope="session")
def tiny_engine(tiny_cache_dir: Path) -> TinyEngine:
    engine = TinyEngine(cache_dir=tiny_cache_dir)
    engine.load()
    return engine


@pytest.fixture
def empty_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A Hugging Face cache with nothing in it, so a developer's downloaded weights do not leak in."""
    from huggingface_hub import constants

    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    yield cache


def write_fake_model(folder: Path, *, sharded_transformer: bool = False) -> Path:
    """The file layout of Z-Image-Turbo in diffusers format, with empty files instead of weights."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model_index.json").write_text(
        json.dumps(
            {
                "_class_name": "ZImagePipeline",
                "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
                "text_encoder": ["transformers", "Qwen3Model"],
                "tokenizer": ["transformers", "Qwen2Tokenizer"],
                "transformer": ["diffusers", "ZImageTransformer2DModel"],
                "vae": ["diffusers", "AutoencoderKL"],
            }
        )
    )
    files = {
        "scheduler/scheduler_config.json": "{}",
        "tokenizer/tokenizer_config.json": "{}",
        "text_encoder/config.json": "{}",
        "text_encoder/model.safetensors": "",
        "transformer/config.json": "{}",
        "vae/config.json": "{}",
        "vae/diffusion_pytorch_model.safetensors": "",
    }
    if sharded_transformer:
        shards = [f"diffusion_pytorch_model-0000{i}-of-00002.safetensors" for i in (1, 2)]
        index = {"weight_map": {"layers.0.w": shards[0], "layers.1.w": shards[1]}}
        files["transformer/diffusion_pytorch_model.safetensors.index.json"] = json.dumps(index)
        files.update({f"transformer/{shard}": "" for shard in shards})
    else:
        files["transformer/diffusion_pytorch_model.safetensors"] = ""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder
