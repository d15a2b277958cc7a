from __future__ import annotations

import logging
from pathlib import Path

import pytest
from zimage_worker.engine import (
    ModelNotAvailable,
    TinyEngine,
    ZImageTurboEngine,
    select_engine,
)
from zimage_worker.weights import locate_weights, missing_files, weights_present

from .conftest import write_fake_model


def test_auto_without_weights_falls_back_to_tiny_with_a_warning(
    tmp_path: Path, empty_hf_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        engine = select_engine("auto", model_path=tmp_path / "nothing-here", cache_dir=tmp_path / "tiny")
    assert isinstance(engine, TinyEngine)
    assert engine.name == "tiny"
    assert engine.cache_dir == tmp_path / "tiny"
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "TINY" in warning
    assert "make download-model" in warning


def test_auto_in_production_without_weights_refuses(tmp_path: Path, empty_hf_cache: Path) -> None:
    with pytest.raises(ModelNotAvailable) as error:
        select_engine("auto", model_path=tmp_path / "nothing-here", production=True)
    message = str(error.value)
    assert "production" in message
    assert "make download-model" in message
    assert "MODEL_PATH" in message


def test_zimage_turbo_without_weights_says_how_to_get_them(tmp_path: Path, empty_hf_cache: Path) -> None:
    with pytest.raises(ModelNotAvailable) as error:
        select_engine("zimage-turbo", model_path=tmp_path / "nothing-here")
    message = str(error.value)
    assert "make download-model" in message
    assert "MODEL_PATH" in message
    assert str(tmp_path / "nothing-here") in message


def test_turbo_engine_load_without_weights_raises(tmp_path: Path, empty_hf_cache: Path) -> None:
    engine = ZImageTurboEngine(model_path=tmp_path / "nothing-here", device="cpu")
    with pytest.raises(ModelNotAvailable, match="make download-model"):
        engine.load()
    assert not engine.loaded


def test_tiny_is_chosen_when_asked_even_in_production(tmp_path: Path) -> None:
    assert isinstance(select_engine("tiny", production=True, cache_dir=tmp_path), TinyEngine)


def test_unknown_engine_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        select_engine("sdxl")


def test_auto_with_weights_in_model_path_picks_zimage_turbo(tmp_path: Path, empty_hf_cache: Path) -> None:
    folder = write_fake_model(tmp_path / "Z-Image-Turbo")
    engine = select_engine("auto", model_path=folder, production=True)
    assert isinstance(engine, ZImageTurboEngine)
    assert engine.model_id == "Tongyi-MAI/Z-Image-Turbo"
    assert not engine.loaded  # selecting never loads 20 GB


def test_sharded_weights_with_a_missing_shard_are_incomplete(tmp_path: Path, empty_hf_cache: Path) -> None:
    folder = write_fake_model(tmp_path / "model", sharded_transformer=True)
    assert weights_present(folder)
    (folder / "transformer" / "diffusion_pytorch_model-00002-of-00002.safetensors").unlink()
    assert missing_files(folder) == ["transformer/diffusion_pytorch_model-00002-of-00002.safetensors"]
    assert not weights_present(folder)


def test_a_component_without_weights_is_incomplete(tmp_path: Path) -> None:
    folder = write_fake_model(tmp_path / "model")
    (folder / "vae" / "diffusion_pytorch_model.safetensors").unlink()
    assert missing_files(folder) == ["vae/*.safetensors"]


def test_weights_are_found_in_the_hugging_face_cache_offline(tmp_path: Path, empty_hf_cache: Path) -> None:
    repo = empty_hf_cache / "models--Tongyi-MAI--Z-Image-Turbo"
    commit = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = write_fake_model(repo / "snapshots" / commit)
    assert locate_weights(None) == snapshot
    assert locate_weights(tmp_path / "empty-model-path") == snapshot  # MODEL_PATH first, then the cache
    assert isinstance(select_engine("auto", production=True), ZImageTurboEngine)
