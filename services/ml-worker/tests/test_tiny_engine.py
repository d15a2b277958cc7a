from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from diffusers import (
    AutoencoderKL,
    FlowMatchEulerDiscreteScheduler,
    ZImagePipeline,
    ZImageTransformer2DModel,
)
from PIL import Image
from transformers import Qwen2Tokenizer, Qwen3Model
from zimage_worker.engine import (
    GenerationCanceled,
    GenerationRequest,
    TinyEngine,
    build_tiny_pipeline,
    image_seeds,
)
from zimage_worker.engine.tiny import CACHE_MARKER, load_tiny_pipeline


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def generate(engine: TinyEngine, **fields: object) -> list[Image.Image]:
    request_fields: dict = {"prompt": "a red fox in the snow", "width": 256, "height": 256, "steps": 4}
    request_fields.update(fields)
    return engine.generate(GenerationRequest(**request_fields))


def test_tiny_pipeline_is_the_real_zimage_pipeline(tiny_engine: TinyEngine) -> None:
    pipeline = tiny_engine._pipeline
    assert isinstance(pipeline, ZImagePipeline)
    assert isinstance(pipeline.transformer, ZImageTransformer2DModel)
    assert isinstance(pipeline.text_encoder, Qwen3Model)
    assert isinstance(pipeline.tokenizer, Qwen2Tokenizer)
    assert isinstance(pipeline.vae, AutoencoderKL)
    assert isinstance(pipeline.scheduler, FlowMatchEulerDiscreteScheduler)
    assert pipeline.transformer.config.cap_feat_dim == pipeline.text_encoder.config.hidden_size
    assert pipeline.transformer.config.in_channels == pipeline.vae.config.latent_channels == 16
    assert pipeline.vae_scale_factor == 8
    assert pipeline.scheduler.config.shift == 3.0
    assert tiny_engine.name == "tiny"
    assert tiny_engine.device.type == "cpu"


@pytest.mark.parametrize(("width", "height", "count"), [(256, 256, 1), (384, 256, 2), (256, 320, 3)])
def test_generates_the_requested_count_and_size(tiny_engine: TinyEngine, width: int, height: int, count: int) -> None:
    images = generate(tiny_engine, width=width, height=height, num_images=count, seed=7)
    assert len(images) == count
    for image in images:
        assert image.size == (width, height)
        assert image.mode == "RGB"
        assert image.info["engine"] == "tiny"
        assert pixels(image).std() > 0  # not a flat colour


def test_same_seed_gives_identical_pixels_and_other_seeds_differ(tiny_engine: TinyEngine) -> None:
    first = generate(tiny_engine, seed=1234)[0]
    again = generate(tiny_engine, seed=1234)[0]
    other = generate(tiny_engine, seed=1235)[0]
    assert np.array_equal(pixels(first), pixels(again))
    assert np.abs(pixels(first) - pixels(other)).mean() > 1.0


def test_image_i_uses_seed_plus_i(tiny_engine: TinyEngine) -> None:
    batch = generate(tiny_engine, seed=40, num_images=2)
    alone = generate(tiny_engine, seed=41)[0]
    assert [image.info["seed"] for image in batch] == ["40", "41"]
    # Batched and single runs may differ in the last bit of float math, never in the picture.
    assert np.abs(pixels(batch[1]) - pixels(alone)).max() <= 2
    assert np.abs(pixels(batch[0]) - pixels(alone)).mean() > 1.0


def test_request_seeds_helper() -> None:
    assert image_seeds(10, 3) == [10, 11, 12]
    assert GenerationRequest(prompt="x", seed=5, num_images=4).seeds == [5, 6, 7, 8]
    assert 0 <= GenerationRequest(prompt="x").seed < 2**32


@pytest.mark.parametrize(
    "fields",
    [
        {"width": 1000},
        {"height": 2064},
        {"width": 128},
        {"num_images": 5},
        {"num_images": 0},
        {"steps": 0},
        {"seed": -1},
        {"guidance_scale": -1.0},
    ],
)
def test_invalid_requests_are_refused(fields: dict) -> None:
    with pytest.raises(ValueError):
        GenerationRequest(prompt="x", **fields)


def test_on_step_reports_each_step_in_order(tiny_engine: TinyEngine) -> None:
    seen: list[tuple[int, int]] = []
    tiny_engine.generate(
        GenerationRequest(prompt="fox", width=256, height=256, steps=8),
        on_step=lambda i, n: seen.append((i, n)),
    )
    assert seen == [(i, 8) for i in range(1, 9)]


def test_cancel_mid_run_stops_and_returns_nothing(tiny_engine: TinyEngine) -> None:
    seen: list[int] = []
    with pytest.raises(GenerationCanceled):
        tiny_engine.generate(
            GenerationRequest(prompt="fox", width=256, height=256, steps=8),
            on_step=lambda i, _n: seen.append(i),
            should_cancel=lambda: len(seen) >= 3,
        )
    assert seen == [1, 2, 3]


def test_cancel_before_the_run_starts_runs_no_step(tiny_engine: TinyEngine) -> None:
    seen: list[int] = []
    with pytest.raises(GenerationCanceled):
        tiny_engine.generate(
            GenerationRequest(prompt="fox", width=256, height=256),
            on_step=lambda i, _n: seen.append(i),
            should_cancel=lambda: True,
        )
    assert seen == []


def test_engine_still_works_after_a_cancel(tiny_engine: TinyEngine) -> None:
    with pytest.raises(GenerationCanceled):
        tiny_engine.generate(GenerationRequest(prompt="fox", width=256, height=256), should_cancel=lambda: True)
    assert len(generate(tiny_engine)) == 1


def test_tokenizer_applies_the_qwen_chat_template_and_keeps_korean(tiny_engine: TinyEngine) -> None:
    tokenizer = tiny_engine._pipeline.tokenizer
    prompt = "눈 덮인 숲속의 붉은 여우"
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt}],
        tokenize=False,
        add_generation_prompt=True,
        enable_thinking=True,
    )
    assert text == f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"
    ids = tokenizer(text).input_ids
    assert ids[0] == tokenizer.convert_tokens_to_ids("<|im_start|>")
    assert tokenizer.decode(ids, skip_special_tokens=True) == f"user\n{prompt}\nassistant\n"
    assert tokenizer.pad_token == "<|endoftext|>"


def test_prompt_embeddings_keep_only_real_tokens(tiny_engine: TinyEngine) -> None:
    pipeline = tiny_engine._pipeline
    embeds, negative = pipeline.encode_prompt(
        ["붉은 여우", "a much longer prompt about a fox"], do_classifier_free_guidance=False
    )
    assert negative == []
    lengths = [len(e) for e in embeds]
    assert lengths[0] < lengths[1] < 512  # padding to 512 is masked out again
    assert all(e.shape[1] == pipeline.text_encoder.config.hidden_size for e in embeds)


def test_building_is_deterministic() -> None:
    first, second = build_tiny_pipeline(), build_tiny_pipeline()
    assert first.tokenizer.get_vocab() == second.tokenizer.get_vocab()
    for name in ("transformer", "text_encoder", "vae"):
        a, b = getattr(first, name).state_dict(), getattr(second, name).state_dict()
        assert a.keys() == b.keys()
        assert all(torch.equal(a[key], b[key]) for key in a)


def test_cached_pipeline_gives_the_same_pixels_as_a_fresh_build(tiny_cache_dir: Path, tiny_engine: TinyEngine) -> None:
    assert (tiny_cache_dir / CACHE_MARKER).is_file()
    assert (tiny_cache_dir / "model_index.json").is_file()
    fresh = TinyEngine(cache_dir=None)
    request = GenerationRequest(prompt="붉은 여우", width=256, height=256, steps=2, seed=3)
    assert np.array_equal(pixels(fresh.generate(request)[0]), pixels(tiny_engine.generate(request)[0]))


def test_unreadable_cache_is_rebuilt(tmp_path: Path, tiny_cache_dir: Path) -> None:
    cache = tmp_path / "tiny"
    shutil.copytree(tiny_cache_dir, cache)
    for weights in (cache / "transformer").glob("*.safetensors"):
        weights.write_bytes(b"not safetensors")
    pipeline = load_tiny_pipeline(cache)
    assert isinstance(pipeline.transformer, ZImageTransformer2DModel)
    reloaded = load_tiny_pipeline(cache)  # the rebuilt cache reads back
    assert isinstance(reloaded, ZImagePipeline)
    assert not list(tmp_path.glob(".tiny.*"))  # no staging folder left behind


def test_stale_cache_recipe_is_rebuilt(tmp_path: Path, tiny_cache_dir: Path) -> None:
    cache = tmp_path / "tiny"
    shutil.copytree(tiny_cache_dir, cache)
    (cache / CACHE_MARKER).write_text('{"recipe_version": 0, "seed": 0}')
    load_tiny_pipeline(cache)
    assert '"recipe_version": 0' not in (cache / CACHE_MARKER).read_text()
