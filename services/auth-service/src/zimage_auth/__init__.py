"""zimage auth-service: users, credentials, tokens and the JWKS every other service verifies with."""
