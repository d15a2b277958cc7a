"""FastAPI dependencies: the caller, re-verified by every service from its own copy of the keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from zimage_common.errors import Forbidden, Unauthorized
from zimage_common.tokens import Principal, TokenVerifier

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/v1/auth/login")


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Unauthorized("Sign in required: send 'Authorization: Bearer <access token>'")
    verifier: TokenVerifier = request.app.state.verifier
    principal = await verifier.verify_access(credentials.credentials)
    request.state.principal = principal
    return principal


async def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_admin:
        raise Forbidden("Administrator role required")
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]
AdminUser = Annotated[Principal, Depends(admin_principal)]
