"""image-service's calls to gallery-service: template expansion and brand-kit guidance at submit, image hand-over
on completion."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from zimage_common.errors import NotFound, ServiceUnavailable, Unprocessable
from zimage_common.observability import outgoing_headers


class TemplateNotFound(NotFound):
    code = "TemplateNotFound"


class BrandKitNotFound(NotFound):
    code = "BrandKitNotFound"


class GalleryClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/internal/v1", headers={"X-Internal-Token": token}, timeout=timeout
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def _post(self, method: str, path: str, body: dict[str, Any]) -> httpx.Response:
        try:
            response = await self.http.request(method, path, json=body, headers=outgoing_headers())
        except httpx.TransportError as exc:
            raise ServiceUnavailable("gallery-service is unavailable; try again shortly") from exc
        if response.status_code >= 500:
            raise ServiceUnavailable(f"gallery-service answered {response.status_code}; try again shortly")
        return response

    async def expand_template(
        self, user_id: uuid.UUID, template_id: uuid.UUID, variables: dict[str, str]
    ) -> dict[str, Any]:
        """The template's prompt with the user's variables filled in, and its default preset."""
        response = await self._post(
            "POST", f"/templates/{template_id}/expand", {"user_id": str(user_id), "variables": variables}
        )
        if response.status_code == 404:
            raise TemplateNotFound("No such template")
        if response.status_code == 422:
            raise Unprocessable(response.json().get("detail", "template variables are invalid"))
        response.raise_for_status()
        return dict(response.json())

    async def apply_brand_kit(self, brand_kit_id: uuid.UUID, prompt: str) -> dict[str, Any]:
        """The prompt with the kit's avoid words removed and its style words appended: {prompt,
        style_words_added, avoid_words_removed, brand_kit_id, brand_kit_name}."""
        response = await self._post("POST", f"/brand-kits/{brand_kit_id}/apply", {"prompt": prompt})
        if response.status_code == 404:
            raise BrandKitNotFound("No such brand kit")
        if response.status_code == 422:
            raise Unprocessable(response.json().get("detail", "the brand kit cannot be applied to this prompt"))
        response.raise_for_status()
        return dict(response.json())

    async def ingest(self, images: list[dict[str, Any]]) -> None:
        """Hand finished images to the gallery (idempotent by image id)."""
        response = await self._post("PUT", "/images", {"images": images})
        response.raise_for_status()
