"""The route table: which service answers a path, how long it may take, and which paths need no token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from zimage_gateway.config import Settings

AUTH, IMAGE, GALLERY = "auth-service", "image-service", "gallery-service"
# The order services appear in the merged OpenAPI spec; earlier ones keep a schema name on conflict.
SERVICES = (AUTH, IMAGE, GALLERY)


class Timeout(Enum):
    STANDARD = "standard"
    LONG = "long"  # synchronous generation
    STREAM = "stream"  # Server-Sent Events: no read timeout at all


@dataclass(frozen=True)
class Prefix:
    """`path` matches itself and anything below it (`/api/v1/tasks` matches `/api/v1/tasks/1`)."""

    path: str
    service: str
    timeout: Timeout = Timeout.STANDARD


@dataclass(frozen=True)
class Public:
    """Requests that pass the edge without a token. `path` ending in `/` matches everything below."""

    methods: frozenset[str]
    path: str


GET = frozenset({"GET", "HEAD"})
POST = frozenset({"POST"})

PREFIXES: tuple[Prefix, ...] = (
    Prefix("/api/v1/auth/", AUTH),
    Prefix("/api/v1/users/", AUTH),
    Prefix("/api/v1/.well-known/", AUTH),
    Prefix("/api/v1/admin/users", AUTH),
    Prefix("/api/v1/admin/audit", AUTH),
    Prefix("/api/v1/generate", IMAGE),
    Prefix("/api/v1/tasks", IMAGE),
    Prefix("/api/v1/images/", IMAGE, Timeout.LONG),
    Prefix("/api/v1/size-presets", IMAGE),
    Prefix("/api/v1/usage", IMAGE),
    Prefix("/api/v1/admin/stats", IMAGE),
    Prefix("/api/v1/admin/system", IMAGE),
    Prefix("/api/v1/admin/quotas", IMAGE),
    Prefix("/api/v1/objects/", IMAGE),
    Prefix("/api/v1/gallery/", GALLERY),
    Prefix("/api/v1/templates", GALLERY),
    Prefix("/api/v1/presets", GALLERY),
    Prefix("/api/v1/brand-kits", GALLERY),
    Prefix("/api/v1/campaigns", GALLERY, Timeout.LONG),  # fan-out ZIPs render every channel
    Prefix("/api/v1/reviews", GALLERY),
)

# Progress streams stay open as long as a task runs.
STREAMS: tuple[re.Pattern[str], ...] = (re.compile(r"^/api/v1/tasks/[^/]+/events$"),)

PUBLIC: tuple[Public, ...] = (
    Public(POST, "/api/v1/auth/register"),
    Public(POST, "/api/v1/auth/login"),
    Public(POST, "/api/v1/auth/refresh"),
    Public(POST, "/api/v1/auth/logout"),
    Public(POST, "/api/v1/auth/password-reset"),  # the one-time token in the body is the credential
    Public(GET, "/api/v1/.well-known/"),
    Public(GET, "/api/v1/size-presets/"),
    Public(GET, "/api/v1/objects/"),  # the URL's signature is the credential
)

# Unauthenticated endpoints that guess passwords, create accounts or hash a new password: a stricter
# per-address budget.
# Not /auth/refresh: every page load of every colleague behind one office address refreshes, and a
# refresh token cannot be guessed (rotation with reuse detection guards it).
CREDENTIAL_PATHS = frozenset({"/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/password-reset"})


@dataclass(frozen=True)
class Target:
    service: str
    base_url: str
    read_timeout: float | None
    public: bool


def _matches(prefix: str, path: str) -> bool:
    bare = prefix.rstrip("/")
    return path == bare or path.startswith(bare + "/")


def has_dot_segments(path: str) -> bool:
    """`..` and `.` segments would let a public prefix reach a protected path upstream."""
    return any(segment in (".", "..") for segment in path.split("/"))


class RouteTable:
    def __init__(self, settings: Settings) -> None:
        self.base_urls = {
            AUTH: settings.auth_service_url.rstrip("/"),
            IMAGE: settings.image_service_url.rstrip("/"),
            GALLERY: settings.gallery_service_url.rstrip("/"),
        }
        self.read_timeouts: dict[Timeout, float | None] = {
            Timeout.STANDARD: settings.timeout_seconds,
            Timeout.LONG: settings.long_timeout_seconds,
            Timeout.STREAM: None,
        }
        # Longest prefix wins.
        self.prefixes = sorted(PREFIXES, key=lambda p: len(p.path.rstrip("/")), reverse=True)

    def prefix_for(self, path: str) -> Prefix | None:
        return next((p for p in self.prefixes if _matches(p.path, path)), None)

    def resolve(self, method: str, path: str) -> Target | None:
        prefix = self.prefix_for(path)
        if prefix is None:
            return None
        timeout = Timeout.STREAM if any(p.match(path) for p in STREAMS) else prefix.timeout
        return Target(
            service=prefix.service,
            base_url=self.base_urls[prefix.service],
            read_timeout=self.read_timeouts[timeout],
            public=is_public(method, path),
        )

    def service_for(self, path: str) -> str | None:
        prefix = self.prefix_for(path)
        return prefix.service if prefix else None


def public_methods(path: str) -> set[str]:
    """The methods that pass the edge without a token at `path` (public paths have no other methods)."""
    return {
        method
        for rule in PUBLIC
        if (_matches(rule.path, path) if rule.path.endswith("/") else path == rule.path)
        for method in rule.methods
    }


def is_public(method: str, path: str) -> bool:
    return any(
        method.upper() in rule.methods and (_matches(rule.path, path) if rule.path.endswith("/") else path == rule.path)
        for rule in PUBLIC
    )
