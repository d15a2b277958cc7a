from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image, PngImagePlugin
from zimage_worker.imaging import (
    encode_png,
    encode_thumbnail_webp,
    fit_to_exact,
    generation_size,
    read_png_params,
)

KOREAN_PROMPT = "가을 세일 배너: 최대 50% 할인! 붉은 여우와 단풍잎"


def noise_image(width: int, height: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB")


@pytest.mark.parametrize(("width", "height"), [(1080, 1080), (820, 312)])
def test_channel_sizes_come_out_at_exact_pixels(width: int, height: int) -> None:
    gen_width, gen_height = generation_size(width, height)
    assert gen_width % 16 == 0 and gen_height % 16 == 0
    assert gen_width >= width and gen_height >= height
    assert gen_width * gen_height >= 1024 * 1024 * 0.98
    assert abs(gen_width / gen_height - width / height) / (width / height) < 0.01
    exact = fit_to_exact(noise_image(gen_width, gen_height), width, height)
    assert exact.size == (width, height)


def test_fit_to_exact_crops_the_centre() -> None:
    # Red bands left and right, blue in the middle square: a square crop keeps only blue.
    pixels = np.zeros((100, 200, 3), dtype=np.uint8)
    pixels[:, :50] = (255, 0, 0)
    pixels[:, 150:] = (255, 0, 0)
    pixels[:, 50:150] = (0, 0, 255)
    fitted = np.asarray(fit_to_exact(Image.fromarray(pixels, "RGB"), 100, 100))
    assert fitted.shape == (100, 100, 3)
    assert fitted[..., 0].max() == 0 and fitted[..., 2].min() == 255


def test_fit_to_exact_crops_top_and_bottom_of_a_tall_image() -> None:
    pixels = np.zeros((300, 100, 3), dtype=np.uint8)
    pixels[100:200] = (0, 255, 0)
    fitted = np.asarray(fit_to_exact(Image.fromarray(pixels, "RGB"), 50, 50))
    assert fitted.shape == (50, 50, 3)
    assert fitted[..., 1].min() >= 250


def test_fit_to_exact_keeps_engine_labels() -> None:
    image = noise_image(64, 32)
    image.info["engine"] = "tiny"
    assert fit_to_exact(image, 20, 20).info["engine"] == "tiny"


def test_png_params_round_trip_with_korean() -> None:
    image = noise_image(96, 64)
    params = {
        "prompt": KOREAN_PROMPT,
        "negative_prompt": "흐릿함, 저화질",
        "seed": 1234567890123,
        "steps": 8,
        "guidance_scale": 0.0,
        "width": 96,
        "height": 64,
        "model": "Tongyi-MAI/Z-Image-Turbo",
        "engine": "zimage-turbo",
    }
    data = encode_png(image, params)
    assert data.startswith(b"\x89PNG")
    assert b"iTXt" in data  # Korean needs UTF-8 text chunks
    assert read_png_params(data) == params
    with Image.open(io.BytesIO(data)) as decoded:
        assert decoded.text["prompt"] == KOREAN_PROMPT
        assert decoded.text["seed"] == "1234567890123"
        assert decoded.text["engine"] == "zimage-turbo"
        assert json.loads(decoded.text["zimage"])["negative_prompt"] == "흐릿함, 저화질"
        assert np.array_equal(np.asarray(decoded.convert("RGB")), np.asarray(image))


def test_png_carries_the_engine_label_of_the_image() -> None:
    image = noise_image(32, 32)
    image.info.update({"engine": "tiny", "model": "tiny-zimage-random"})
    params = read_png_params(encode_png(image, {"prompt": "fox", "seed": 1}))
    assert params["engine"] == "tiny"
    assert params["model"] == "tiny-zimage-random"


def test_read_png_params_without_json_returns_text_chunks() -> None:
    buffer = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", "plain")
    noise_image(8, 8).save(buffer, format="PNG", pnginfo=info)
    assert read_png_params(buffer.getvalue()) == {"prompt": "plain"}


@pytest.mark.parametrize(("width", "height", "expected"), [(1680, 640, (512, 195)), (640, 1680, (195, 512))])
def test_thumbnail_fits_in_512(width: int, height: int, expected: tuple[int, int]) -> None:
    data = encode_thumbnail_webp(noise_image(width, height))
    with Image.open(io.BytesIO(data)) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.size == expected


def test_thumbnail_never_enlarges_a_small_image() -> None:
    with Image.open(io.BytesIO(encode_thumbnail_webp(noise_image(300, 200)))) as thumb:
        assert thumb.size == (300, 200)
