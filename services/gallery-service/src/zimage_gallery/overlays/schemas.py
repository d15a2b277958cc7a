"""An overlay as data (stored as JSON beside an image) and the layout it produces (boxes the web editor draws)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from zimage_gallery.overlays.contrast import colour_contrast

HexColour = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$"), Field(examples=["#1A1A2E"])]
Copy = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]


def rgb(colour: str) -> tuple[int, int, int]:
    """`#RRGGBB` → (r, g, b)."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


class Placement(StrEnum):
    top = "top"
    bottom_band = "bottom_band"
    left_panel = "left_panel"
    centre = "centre"


class Align(StrEnum):
    start = "start"
    centre = "centre"
    end = "end"


class ScrimMode(StrEnum):
    auto = "auto"  # only where the text fails WCAG AA against the image
    always = "always"
    never = "never"  # the marketer's call; the layout still reports the failing ratio


class BrandColours(BaseModel):
    """A brand kit's colour roles."""

    primary: HexColour
    secondary: HexColour
    background: HexColour
    text: HexColour


class OverlayColours(BaseModel):
    text: HexColour = "#FFFFFF"
    button: HexColour = "#FFFFFF"
    button_text: HexColour = "#111111"
    scrim: HexColour = "#000000"

    @classmethod
    def from_brand(cls, brand: BrandColours) -> OverlayColours:
        """Text in the kit's text colour, the button in its primary colour, the scrim in its background colour.
        The button's label takes whichever of the kit's background and text colours reads better on primary."""
        label = max((brand.background, brand.text), key=lambda c: colour_contrast(rgb(c), rgb(brand.primary)))
        return cls(text=brand.text, button=brand.primary, button_text=label, scrim=brand.background)


class OverlaySpec(BaseModel):
    """What the marketer wrote and chose; the renderer decides sizes and line breaks for each channel's pixels."""

    model_config = ConfigDict(extra="forbid")

    headline: Annotated[Copy, StringConstraints(min_length=1, max_length=120)]
    sub_copy: Copy = ""
    cta: Annotated[Copy, StringConstraints(max_length=40)] = Field("", description="Button text; empty: no button")
    placement: Placement = Placement.bottom_band
    align: Align | None = Field(None, description="None: the placement's own (centre for `centre`, else start)")
    colours: OverlayColours = Field(default_factory=OverlayColours)
    scrim: ScrimMode = ScrimMode.auto
    font_id: uuid.UUID | None = Field(None, description="A brand kit font; None: the bundled Pretendard")
    logo_id: uuid.UUID | None = Field(None, description="A brand kit logo; the caller loads it and passes the image")


class SafeMargins(BaseModel):
    """Insets from each edge as fractions of the image's short side: where channels put their own UI."""

    top: float = Field(0.06, ge=0, le=0.4)
    right: float = Field(0.06, ge=0, le=0.4)
    bottom: float = Field(0.06, ge=0, le=0.4)
    left: float = Field(0.06, ge=0, le=0.4)


DEFAULT_MARGINS = SafeMargins()
# Channel presets whose apps cover part of the picture (size preset ids of zimage_common.sizes).
MARGINS_BY_PRESET: dict[str, SafeMargins] = {
    # Stories/Reels: profile row at the top, reply bar and caption at the bottom (~250 px of 1920 each).
    "instagram_story": SafeMargins(top=0.23, bottom=0.23),
    "portrait_9_16": SafeMargins(top=0.23, bottom=0.23),
    # YouTube prints the duration over the bottom-right corner.
    "youtube_thumbnail": SafeMargins(bottom=0.12, right=0.08),
    # Facebook's page cover: the profile picture overlaps the lower left on desktop.
    "facebook_cover": SafeMargins(left=0.3, bottom=0.1),
}


def safe_margins_for(preset_id: str | None) -> SafeMargins:
    return MARGINS_BY_PRESET.get(preset_id or "", DEFAULT_MARGINS)


class Box(BaseModel):
    """Pixels, origin top-left; `right` and `bottom` are exclusive."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    def contains(self, other: Box) -> bool:
        return self.x <= other.x and self.y <= other.y and other.right <= self.right and other.bottom <= self.bottom


class Line(BaseModel):
    text: str
    x: int = Field(description="Left edge of the line's advance")
    baseline: int
    width: int


class TextLayout(BaseModel):
    kind: Literal["headline", "sub_copy", "cta"]
    box: Box = Field(description="The lines' boxes together (advance width × line height)")
    font_size: int
    bold: bool
    line_height: int
    colour: HexColour
    lines: list[Line]
    truncated: bool = Field(description="Lines were dropped or shortened with an ellipsis")
    large: bool = Field(description="WCAG large text: ≥ 24 px regular or ≥ 18.66 px bold")
    required_ratio: float = Field(description="WCAG AA: 3.0 for large text, 4.5 otherwise")
    contrast_ratio: float | None = Field(None, description="Against what lies behind it; None: not measured")


class ButtonLayout(BaseModel):
    box: Box
    radius: int
    background: HexColour
    label: TextLayout


class ScrimLayout(BaseModel):
    shape: Literal["top_fade", "bottom_fade", "left_fade", "card"]
    box: Box = Field(description="Where the scrim is fully opaque (at `opacity`)")
    fade: int = Field(description="Pixels over which it fades to nothing beyond the box (0 for the card)")
    radius: int
    colour: HexColour
    opacity: float


class OverlayLayout(BaseModel):
    """Everything needed to draw the overlay; the browser preview draws the same numbers.

    In that order: the scrim (`shape`, fully `opacity` inside `box`, linear fade over `fade` px beyond it; the
    card is a rounded rectangle), the logo scaled into its box, each text line with its font at `font_size` px
    (Pretendard Bold for bold, Regular otherwise) at (`x`, `baseline`) on the alphabetic baseline, the button
    as a rounded rectangle of `radius`, then its label the same way.
    """

    width: int
    height: int
    placement: Placement
    align: Align
    font_family: str
    safe_area: Box
    content_box: Box = Field(description="The placement's box inside the safe area; every element lies in it")
    logo: Box | None
    headline: TextLayout
    sub_copy: TextLayout | None
    cta: ButtonLayout | None
    scrim: ScrimLayout | None
    dropped: list[Literal["sub_copy", "logo", "cta"]] = Field(
        default_factory=list, description="Elements left out because even the smallest size did not fit"
    )
    min_contrast_ratio: float | None = Field(None, description="The lowest ratio of the headline and sub-copy")
    passes_aa: bool | None = Field(None, description="Every text element meets its WCAG AA ratio; None: not measured")

    @property
    def scrim_added(self) -> bool:
        return self.scrim is not None

    @property
    def text_elements(self) -> list[TextLayout]:
        return [t for t in (self.headline, self.sub_copy) if t is not None]
