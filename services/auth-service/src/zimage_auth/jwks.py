"""The public signing keys, at the well-known path and under the API prefix the gateway forwards."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from zimage_auth.keys import SigningKey

JWKS_PATH = "/.well-known/jwks.json"


class PublicKey(BaseModel):
    kty: str
    crv: str
    x: str
    kid: str
    use: str
    alg: str


class KeySet(BaseModel):
    keys: list[PublicKey]


def _jwks(request: Request, response: Response) -> KeySet:
    key: SigningKey = request.app.state.signing_key
    response.headers["Cache-Control"] = "public, max-age=300"
    return KeySet.model_validate(key.jwks())


router = APIRouter(tags=["auth"])
router.add_api_route(
    JWKS_PATH, _jwks, methods=["GET"], operation_id="auth_jwks", summary="Public keys that verify tokens"
)
# The same document at the root, where JWKS consumers look by convention; listed in the spec once.
root_router = APIRouter()
root_router.add_api_route(JWKS_PATH, _jwks, methods=["GET"], include_in_schema=False)
