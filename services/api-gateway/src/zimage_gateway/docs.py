"""Swagger UI for the merged spec, served from the installed `fastapi-offline` wheel (no CDN at run time).

`swagger-ui-bundle` on PyPI ships Swagger UI 4.15, which refuses OpenAPI 3.1 documents (FastAPI's);
`fastapi-offline` ships Swagger UI 5, so its static files are the ones served here.
"""

from __future__ import annotations

import html
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from zimage_common.errors import NotFound

DOCS_PATH = "/api/v1/docs"
STATIC_PATH = f"{DOCS_PATH}/static"
OPENAPI_PATH = "/api/v1/openapi.json"
ASSET_DIR = Path(str(files("fastapi_offline") / "static"))
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
# Loaded from a file rather than inline so the page's CSP can forbid inline scripts.
INIT_SCRIPT = """window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
});
"""
# The API's responses get `default-src 'none'`; this page needs its own assets and the spec.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def docs_router() -> APIRouter:
    router = APIRouter()

    @router.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = html.escape(request.scope.get("root_path", ""), quote=True)
        return HTMLResponse(
            f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>zimage platform API</title>
<link rel="icon" type="image/png" href="{root}{STATIC_PATH}/favicon.png">
<link rel="stylesheet" href="{root}{STATIC_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-spec-url="{root}{OPENAPI_PATH}"></div>
<script src="{root}{STATIC_PATH}/swagger-ui-bundle.js"></script>
<script src="{root}{STATIC_PATH}/init.js"></script>
</body>
</html>
""",
            headers={"Cache-Control": "no-store"},
        )

    @router.get(f"{STATIC_PATH}/init.js", include_in_schema=False)
    async def init_script() -> Response:
        return Response(INIT_SCRIPT, media_type="text/javascript; charset=utf-8")

    @router.get(f"{STATIC_PATH}/{{name}}", include_in_schema=False)
    async def asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise NotFound(f"No documentation asset named {name!r}")
        return FileResponse(
            ASSET_DIR / name, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=86400"}
        )

    return router
