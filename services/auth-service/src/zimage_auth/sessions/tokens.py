"""Signed access and refresh tokens with the claims every verifier expects."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from zimage_common.tokens import ACCESS, REFRESH

from zimage_auth.config import Settings
from zimage_auth.keys import SigningKey


class TokenIssuer:
    def __init__(self, key: SigningKey, settings: Settings) -> None:
        self.key = key
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.access_ttl = timedelta(seconds=settings.access_token_ttl_seconds)
        self.refresh_ttl = timedelta(days=settings.refresh_token_ttl_days)
        self.session_max_age = timedelta(days=settings.session_max_age_days)
        self.revocation_ttl_seconds = settings.revocation_ttl_seconds

    def access_token(self, *, user_id: uuid.UUID, role: str, session_id: uuid.UUID, now: datetime) -> str:
        return self.key.sign(
            {
                "iss": self.issuer,
                "aud": self.audience,
                "sub": str(user_id),
                "role": role,
                "typ": ACCESS,
                "sid": str(session_id),
                "jti": uuid.uuid4().hex,
                "iat": int(now.timestamp()),
                "exp": int((now + self.access_ttl).timestamp()),
            }
        )

    def refresh_token(
        self,
        *,
        user_id: uuid.UUID,
        session_id: uuid.UUID,
        jti: uuid.UUID,
        now: datetime,
        expires_at: datetime,
    ) -> str:
        return self.key.sign(
            {
                "iss": self.issuer,
                "aud": self.audience,
                "sub": str(user_id),
                "typ": REFRESH,
                "sid": str(session_id),
                "jti": str(jti),
                "iat": int(now.timestamp()),
                "exp": int(expires_at.timestamp()),
            }
        )
