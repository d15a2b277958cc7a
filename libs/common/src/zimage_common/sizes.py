"""Channel size presets (exact output pixels) and the valid size each one is generated at."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

MULTIPLE = 16
MIN_SIDE = 256
MAX_SIDE = 2048
MAX_PIXELS = 4 * 1024 * 1024
TARGET_PIXELS = 1024 * 1024  # Z-Image-Turbo's native budget; smaller presets are generated near it


@dataclass(frozen=True)
class SizePreset:
    id: str
    name_ko: str
    name_en: str
    channel: str
    width: int
    height: int

    @property
    def aspect_label(self) -> str:
        g = math.gcd(self.width, self.height)
        return f"{self.width // g}:{self.height // g}"

    def as_dict(self) -> dict[str, Any]:
        gen_w, gen_h = generation_size(self.width, self.height)
        return {**asdict(self), "aspect": self.aspect_label, "generation_width": gen_w, "generation_height": gen_h}


PRESETS: tuple[SizePreset, ...] = (
    SizePreset("square_1024", "정사각형 1:1", "Square 1:1", "general", 1024, 1024),
    SizePreset("landscape_16_9", "가로 16:9", "Landscape 16:9", "general", 1024, 576),
    SizePreset("portrait_9_16", "세로 9:16", "Portrait 9:16", "general", 576, 1024),
    SizePreset("landscape_4_3", "가로 4:3", "Landscape 4:3", "general", 1024, 768),
    SizePreset("instagram_square", "인스타그램 정사각형", "Instagram square", "instagram", 1080, 1080),
    SizePreset("instagram_portrait", "인스타그램 세로 4:5", "Instagram portrait 4:5", "instagram", 1080, 1350),
    SizePreset("instagram_story", "인스타그램 스토리·릴스", "Instagram story / Reels", "instagram", 1080, 1920),
    SizePreset("facebook_cover", "페이스북 커버", "Facebook cover", "facebook", 820, 312),
    SizePreset("facebook_link", "페이스북·링크드인 링크", "Facebook / LinkedIn link", "facebook", 1200, 630),
    SizePreset("x_post", "X(트위터) 게시물", "X post", "x", 1600, 900),
    SizePreset("youtube_thumbnail", "유튜브 썸네일", "YouTube thumbnail", "youtube", 1280, 720),
    SizePreset("naver_blog", "네이버 블로그 본문", "Naver blog body", "naver", 966, 644),
    SizePreset("naver_blog_thumbnail", "네이버 블로그 대표 이미지", "Naver blog thumbnail", "naver", 750, 750),
    SizePreset("kakao_channel_wide", "카카오톡 채널 와이드", "KakaoTalk channel wide", "kakao", 800, 400),
    SizePreset("kakao_channel_square", "카카오톡 채널 정사각형", "KakaoTalk channel square", "kakao", 800, 800),
    SizePreset("kakao_feed", "카카오톡 피드 2:1", "KakaoTalk feed 2:1", "kakao", 720, 360),
)
PRESETS_BY_ID = {p.id: p for p in PRESETS}


def is_valid_generation_size(width: int, height: int) -> bool:
    return (
        width % MULTIPLE == 0
        and height % MULTIPLE == 0
        and MIN_SIDE <= width <= MAX_SIDE
        and MIN_SIDE <= height <= MAX_SIDE
        and width * height <= MAX_PIXELS
    )


def generation_size(width: int, height: int) -> tuple[int, int]:
    """The size to generate at for exact output `width`×`height`.

    Valid sizes are used as they are. Otherwise pick multiples of 16 with (nearly) the same aspect,
    at least the exact size on each side and about one megapixel or more, so the final step is a
    small centre-crop plus a downscale, never an upscale.
    """
    if is_valid_generation_size(width, height):
        return width, height
    aspect = width / height
    min_pixels = max(width * height, TARGET_PIXELS)
    best: tuple[float, int, int, int] | None = None  # (cost, pixels, w, h)
    for h in range(MIN_SIDE, MAX_SIDE + 1, MULTIPLE):
        w = round(h * aspect / MULTIPLE) * MULTIPLE
        if not is_valid_generation_size(w, h) or w < min(width, MAX_SIDE) or h < min(height, MAX_SIDE):
            continue
        pixels = w * h
        if pixels < min_pixels * 0.98 or pixels > min_pixels * 1.6:
            continue
        # aspect error is cropped away, extra pixels cost GPU time: weigh both
        cost = abs(w / h - aspect) / aspect + 0.1 * (pixels / min_pixels - 1)
        candidate = (cost, pixels, w, h)
        if best is None or candidate < best:
            best = candidate
    if best is None:
        raise ValueError(f"no valid generation size for {width}x{height}")
    return best[2], best[3]
