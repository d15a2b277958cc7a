"""Write the merged OpenAPI document the gateway serves at /api/v1/openapi.json, without starting anything.

Imports each service's app, asks it for its spec and merges them with the gateway's own merge
function, exactly as the running gateway does. `scripts/gen-api-types.sh` turns the result into the
web apps' TypeScript types.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

APPS = {
    "auth-service": "zimage_auth.main:create_app",
    "image-service": "zimage_image.main:create_app",
    "gallery-service": "zimage_gallery.main:create_app",
}


def merged_spec() -> dict[str, Any]:
    from platform_services import load_object
    from zimage_gateway.config import Settings
    from zimage_gateway.main import create_app as gateway_app
    from zimage_gateway.openapi import merge_specs, routed_paths
    from zimage_gateway.routes import SERVICES, RouteTable

    routes = RouteTable(Settings())
    specs = []
    for service in SERVICES:
        spec = load_object(APPS[service])().openapi()  # type: ignore[operator]
        specs.append((service, routed_paths(service, spec, routes.service_for)))
    specs.append(("api-gateway", gateway_app().openapi()))
    return merge_specs(specs)


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as data_dir:
        # Development settings in a throwaway data folder: building an app must not touch ./data.
        os.environ.update({"DATA_DIR": data_dir, "ZIMAGE_ENV": "development"})
        text = json.dumps(merged_spec(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
