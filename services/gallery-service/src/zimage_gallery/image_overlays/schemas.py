from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from zimage_gallery.overlays.schemas import OverlaySpec


class ImageOverlaySpec(OverlaySpec):
    """An image's overlay: what the renderer takes, plus the brand kit its font and logo come from."""

    brand_kit_id: uuid.UUID | None = Field(
        None, description="The kit `font_id` and `logo_id` belong to; required when either is set"
    )


class ImageOverlayOut(BaseModel):
    image_id: uuid.UUID
    spec: ImageOverlaySpec
    updated_at: datetime
