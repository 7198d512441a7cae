"""Turns the Authorization header into a principal: a member token or an API key."""
from __future__ import annotations

from loyalty.auth.access import verify_access
from loyalty.auth.api_keys import authenticate_api_key, looks_like_api_key
from loyalty.auth.principal import Principal
from loyalty.auth.tokens import InvalidToken, TokenService

MAX_CREDENTIAL_LENGTH = 4096


async def principal_from_header(header: str | None, tokens: TokenService) -> tuple[Principal, str | None]:
    """(principal, why the credential was refused). No header: (None, None)."""
    if not header:
        return None, None
    scheme, _, credential = header.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential or len(credential) > MAX_CREDENTIAL_LENGTH:
        return None, "the Authorization header must be 'Bearer <token>'"
    if looks_like_api_key(credential):
        principal = await authenticate_api_key(credential)
        return (principal, None) if principal else (None, "the API key is not valid")
    try:
        return await verify_access(tokens, credential), None
    except InvalidToken:
        return None, "the access token is not valid or has expired"


def client_address(scope_client: tuple[str, int] | None, forwarded_for: str | None, trusted_hops: int) -> str:
    """The caller's address; X-Forwarded-For is believed only through the configured proxies."""
    if trusted_hops and forwarded_for:
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if len(hops) >= trusted_hops:
            return hops[-trusted_hops]
    return scope_client[0] if scope_client else "unknown"
