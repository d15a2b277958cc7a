"""auth-service's one call to image-service: images each user generated this month, for the user table."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from zimage_common.internal import InternalClient


class UsageClient:
    def __init__(self, image_service_url: str, token: str) -> None:
        self.client = InternalClient(image_service_url, token, peer="image-service (usage)", timeout=5.0)

    async def close(self) -> None:
        await self.client.close()

    async def images_this_month(self, user_ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, int]:
        """Completed images since the start of this UTC month; every user with usage when `user_ids` is None."""
        params = None if user_ids is None else {"user_ids": ",".join(str(u) for u in user_ids)}
        if params is not None and not params["user_ids"]:
            return {}
        response = await self.client.request("GET", "/usage/images-this-month", params=params)
        response.raise_for_status()
        return {uuid.UUID(k): int(v) for k, v in response.json()["counts"].items()}
