"""Login, refresh (rotation) and logout; the refresh token also travels in an httpOnly cookie."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Body, Request, Response, status
from zimage_common.db import SessionDep, utcnow
from zimage_common.errors import TooManyRequests, Unauthorized, Unprocessable, error_responses
from zimage_common.service import API_PREFIX

from zimage_auth.deps import (
    ClientIPDep,
    OptionalBearer,
    RevocationsDep,
    SettingsDep,
    ThrottleDep,
    TokensDep,
    VerifierDep,
)
from zimage_auth.sessions import service
from zimage_auth.sessions.errors import InvalidCredentials, InvalidRefreshToken, RefreshTokenReused
from zimage_auth.sessions.schemas import LoginRequest, LogoutRequest, RefreshRequest, TokenResponse
from zimage_auth.users.errors import AccountDisabled

router = APIRouter(tags=["auth"])

# Only the routes that take the refresh token ever receive the cookie.
COOKIE_PATH = f"{API_PREFIX}/auth"


def _presented_refresh_token(request: Request, body_token: str | None, settings: SettingsDep) -> str | None:
    return body_token or request.cookies.get(settings.refresh_cookie_name)


def _answer(issued: service.IssuedTokens, response: Response, settings: SettingsDep) -> TokenResponse:
    max_age = max(0, int((issued.refresh_expires_at - utcnow()).total_seconds()))
    response.set_cookie(
        settings.refresh_cookie_name,
        issued.refresh_token,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(
        access_token=issued.access_token, refresh_token=issued.refresh_token, expires_in=issued.expires_in
    )


@router.post(
    "/auth/login",
    operation_id="auth_login",
    summary="Sign in; returns tokens and sets the refresh cookie",
    responses=error_responses(InvalidCredentials, AccountDisabled, Unprocessable, TooManyRequests),
)
async def login(
    body: LoginRequest,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    tokens: TokensDep,
    throttle: ThrottleDep,
    client_ip: ClientIPDep,
) -> TokenResponse:
    issued = await service.login(
        session,
        tokens=tokens,
        throttle=throttle,
        email=body.email,
        password=body.password,
        client_ip=client_ip,
    )
    return _answer(issued, response, settings)


@router.post(
    "/auth/refresh",
    operation_id="auth_refresh",
    summary="Exchange a refresh token (body or cookie) for new tokens; a reused one ends its session",
    responses=error_responses(InvalidRefreshToken, RefreshTokenReused, Unprocessable),
)
async def refresh(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    tokens: TokensDep,
    verifier: VerifierDep,
    revocations: RevocationsDep,
    body: Annotated[RefreshRequest | None, Body()] = None,
) -> TokenResponse:
    refresh_token = _presented_refresh_token(request, body.refresh_token if body else None, settings)
    if not refresh_token:
        raise InvalidRefreshToken("Refresh token required: send it in the body or the refresh cookie")
    try:
        issued = await service.refresh(
            session, tokens=tokens, verifier=verifier, revocations=revocations, refresh_token=refresh_token
        )
    except RefreshTokenReused:
        await session.commit()  # the family's revocation must persist although this request fails
        raise
    return _answer(issued, response, settings)


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="auth_logout",
    summary="End this session (access and/or refresh token) or, with all=true, every session of the user",
    responses=error_responses(Unauthorized, Unprocessable),
)
async def logout(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    tokens: TokensDep,
    verifier: VerifierDep,
    revocations: RevocationsDep,
    credentials: OptionalBearer,
    body: Annotated[LogoutRequest | None, Body()] = None,
) -> None:
    signed_in: list[service.SignedInSession] = []
    # Each credential is optional and may be stale; any one valid credential names a session to end.
    if credentials is not None:
        with contextlib.suppress(Unauthorized):
            principal = await verifier.verify_access(credentials.credentials)
            signed_in.append(service.SignedInSession.from_principal(principal))
    refresh_token = _presented_refresh_token(request, body.refresh_token if body else None, settings)
    if refresh_token:
        with contextlib.suppress(Unauthorized):
            signed_in.append(await service.session_from_refresh_token(verifier, refresh_token))
    await service.logout(
        session,
        revocations=revocations,
        ttl_seconds=tokens.revocation_ttl_seconds,
        signed_in=signed_in,
        everywhere=bool(body and body.all),
    )
    response.delete_cookie(
        settings.refresh_cookie_name,
        path=COOKIE_PATH,
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
