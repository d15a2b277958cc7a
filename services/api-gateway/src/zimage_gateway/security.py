"""Browser-facing protections on every response: security headers and CORS from the allow-list."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from zimage_common.observability import REQUEST_ID_HEADER

from zimage_gateway.config import Settings
from zimage_gateway.docs import DOCS_CSP, DOCS_PATH
from zimage_gateway.peers import from_trusted_proxy

API_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=63072000; includeSubDomains"
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}
CORS_HEADERS = ["Authorization", "Content-Type", "Accept", "Accept-Language", "Last-Event-ID", REQUEST_ID_HEADER]


class SecurityHeadersMiddleware:
    """Sets (replacing any upstream value) the headers OWASP ASVS 3.4 asks for."""

    def __init__(self, app: ASGIApp, *, behind_tls: bool, trusted_proxies: list[str]) -> None:
        self.app = app
        self.behind_tls = behind_tls
        self.trusted_proxies = trusted_proxies

    def _https(self, scope: Scope) -> bool:
        if self.behind_tls or scope.get("scheme") == "https":
            return True
        client = scope.get("client")
        if not from_trusted_proxy(client[0] if client else None, self.trusted_proxies):
            return False
        proto = Headers(scope=scope).get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return proto == "https"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        csp = DOCS_CSP if path == DOCS_PATH or path.startswith(f"{DOCS_PATH}/") else API_CSP
        https = self._https(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in STATIC_HEADERS.items():
                    headers[name] = value
                headers["Content-Security-Policy"] = csp
                if https:
                    headers["Strict-Transport-Security"] = HSTS
                elif "strict-transport-security" in headers:
                    del headers["Strict-Transport-Security"]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_browser_protections(app: FastAPI, settings: Settings) -> None:
    """CORS inside, security headers outermost, so preflight answers carry them too."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=CORS_HEADERS,
        expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
        max_age=600,
    )
    app.add_middleware(
        SecurityHeadersMiddleware, behind_tls=settings.behind_tls, trusted_proxies=settings.trusted_proxies
    )
