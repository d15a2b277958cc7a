"""The parallel PNG writer: lossless (Pillow decodes the same pixels), valid chunks, text kept."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from zimage_worker.imaging import encode_png, read_png_params
from zimage_worker.png import adler32_combine, filter_rows, write_png


def photo_like(height: int, width: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    """Smooth gradients plus a little noise: compresses like a photo, exercises every filter."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    planes = [128 + 100 * np.sin(xx / 37 + c) * np.cos(yy / 23 - c) for c in range(channels)]
    return np.clip(np.stack(planes, -1) + rng.normal(0, 4, (height, width, channels)), 0, 255).astype(np.uint8)


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of every chunk, checking each CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    out, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        out.append((kind, body))
        pos += 12 + length
    return out


@pytest.mark.parametrize(
    ("height", "width", "channels"),
    [(1, 1, 3), (7, 5, 3), (64, 33, 3), (257, 129, 3), (1024, 96, 3), (300, 200, 4), (130, 70, 1), (90, 64, 2)],
)
@pytest.mark.parametrize("threads", [1, 4, 16])
def test_pillow_decodes_the_same_pixels(height: int, width: int, channels: int, threads: int) -> None:
    pixels = photo_like(height, width, channels, seed=height + width)
    data = write_png(pixels, threads=threads)
    with Image.open(io.BytesIO(data)) as decoded:
        decoded.load()
        back = np.asarray(decoded)
    assert back.reshape(height, width, channels).tolist() == pixels.tolist()


def test_noise_and_flat_images_round_trip() -> None:
    rng = np.random.default_rng(1)
    for pixels in (rng.integers(0, 256, (200, 180, 3), dtype=np.uint8), np.full((200, 180, 3), 77, np.uint8)):
        with Image.open(io.BytesIO(write_png(pixels, threads=8))) as decoded:
            assert np.array_equal(np.asarray(decoded), pixels)


def test_bands_make_one_valid_zlib_stream() -> None:
    pixels = photo_like(512, 64)
    parts = chunks(write_png(pixels, threads=8))
    kinds = [kind for kind, _ in parts]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    assert kinds.count(b"IDAT") == 8 + 1  # one per band, then the Adler-32 trailer
    stream = b"".join(body for kind, body in parts if kind == b"IDAT")
    raw = zlib.decompress(stream)  # checks the combined Adler-32 too
    assert len(raw) == 512 * (1 + 64 * 3)


def test_filter_choice_and_arithmetic_match_the_spec() -> None:
    """Each row un-filters to the original with the PNG reconstruction rules, whatever filter was chosen."""
    pixels = photo_like(40, 30).reshape(40, 90)
    above = photo_like(1, 30, seed=9).reshape(90)
    filtered = filter_rows(pixels, above, 3)
    prev = above.astype(np.int32)
    for row, line in zip(pixels, filtered, strict=True):
        kind, f = int(line[0]), line[1:].astype(np.int32)
        out = np.zeros(90, np.int32)
        for i in range(90):
            a = out[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            predictor = [0, a, b, (a + b) // 2, a if pa <= pb and pa <= pc else (b if pb <= pc else c)][kind]
            out[i] = (f[i] + predictor) % 256
        assert out.tolist() == row.tolist()
        prev = out
    assert len(set(filtered[:, 0].tolist())) > 1 or filtered[0, 0] != 0


def test_adler32_combine_matches_zlib() -> None:
    rng = np.random.default_rng(2)
    for size_a, size_b in ((0, 5), (1, 1), (5552, 70000), (100_000, 3)):
        a, b = rng.bytes(size_a), rng.bytes(size_b)
        assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


def test_photo_like_files_are_no_larger_than_pillows() -> None:
    pixels = photo_like(512, 512)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    assert len(write_png(pixels)) <= len(buffer.getvalue()) * 1.02


def test_encode_png_keeps_parameters_and_pixels_at_1024() -> None:
    pixels = photo_like(1024, 1024)
    image = Image.fromarray(pixels)
    image.info.update({"engine": "zimage-turbo", "model": "Tongyi-MAI/Z-Image-Turbo"})
    params = {"prompt": "눈 덮인 숲속의 붉은 여우", "seed": 42, "steps": 8, "negative_prompt": None}
    data = encode_png(image, params)
    assert read_png_params(data) == {
        "engine": "zimage-turbo",
        "model": "Tongyi-MAI/Z-Image-Turbo",
        "prompt": "눈 덮인 숲속의 붉은 여우",
        "seed": 42,
        "steps": 8,
        "negative_prompt": None,
    }
    with Image.open(io.BytesIO(data)) as decoded:
        assert decoded.text["prompt"] == "눈 덮인 숲속의 붉은 여우"
        assert decoded.text["seed"] == "42"
        assert np.array_equal(np.asarray(decoded), pixels)


def test_refuses_what_png_cannot_hold() -> None:
    with pytest.raises(ValueError):
        write_png(np.zeros((4, 4, 3), np.uint16))
    with pytest.raises(ValueError):
        write_png(np.zeros((4, 4, 5), np.uint8))
