"""FastAPI dependencies of auth-service, as Annotated aliases over what the lifespan put on app.state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from zimage_common.network import client_ip
from zimage_common.tokens import Revocations, TokenVerifier

from zimage_auth.config import Settings
from zimage_auth.sessions.throttle import LoginThrottle
from zimage_auth.sessions.tokens import TokenIssuer


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _tokens(request: Request) -> TokenIssuer:
    tokens: TokenIssuer = request.app.state.tokens
    return tokens


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.verifier
    return verifier


def _revocations(request: Request) -> Revocations:
    return _verifier(request).revocations


def _throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def _client_ip(request: Request, settings: Annotated[Settings, Depends(_settings)]) -> str:
    peer = request.client.host if request.client else None
    return client_ip(peer, request.headers.get("x-forwarded-for"), settings.trusted_proxies)


SettingsDep = Annotated[Settings, Depends(_settings)]
TokensDep = Annotated[TokenIssuer, Depends(_tokens)]
VerifierDep = Annotated[TokenVerifier, Depends(_verifier)]
RevocationsDep = Annotated[Revocations, Depends(_revocations)]
ThrottleDep = Annotated[LoginThrottle, Depends(_throttle)]
ClientIPDep = Annotated[str, Depends(_client_ip)]
# Logout accepts a missing or stale access token as long as a refresh token names the session.
OptionalBearer = Annotated[
    HTTPAuthorizationCredentials | None,
    Depends(HTTPBearer(auto_error=False, description="Access token from POST /api/v1/auth/login")),
]
