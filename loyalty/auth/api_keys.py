"""API keys for the shop's backend and staff tools. Only a SHA-256 digest is stored.

A key that was found valid is kept in the process (by its digest) and read again from the
database at most every REVOKED_KEY_BOUND_SECONDS: a key revoked anywhere (another process, the
`loyalty revoke-api-key` command) stops working in every process within that bound, and at
once in the process that revoked it. Keys that were refused are not kept.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
import time
from collections import OrderedDict

from loyalty import clock
from loyalty.auth.models import ApiKey
from loyalty.auth.principal import SCOPES, ServicePrincipal
from loyalty.errors import LoyaltyError

KEY_PREFIX = "lk_"
USE_RECORDED_EVERY = timedelta(minutes=1)
_recorded: dict[int, datetime] = {}
MAX_KEY_LENGTH = 200
REVOKED_KEY_BOUND_SECONDS = 5.0
MAX_KEPT_KEYS = 1000

_monotonic = time.monotonic
_kept: OrderedDict[str, tuple[float, ServicePrincipal]] = OrderedDict()  # digest -> (checked at, principal)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_api_key(credential: str) -> bool:
    return credential.startswith(KEY_PREFIX)


def parse_scopes(text: str) -> frozenset[str]:
    scopes = frozenset(s.strip() for s in text.split(",") if s.strip())
    unknown = sorted(scopes - SCOPES)
    if unknown:
        raise LoyaltyError(
            f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(sorted(SCOPES))}", field="scopes"
        )
    if not scopes:
        raise LoyaltyError("an API key needs at least one scope", field="scopes")
    return scopes


async def create_api_key(name: str, scopes: frozenset[str]) -> tuple[ApiKey, str]:
    """Returns the stored key and the plaintext, which is shown once and never again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise LoyaltyError("a name of 1 to 100 characters is required", field="name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = await ApiKey.create(
        name=name, prefix=key[:10], key_hash=_digest(key),
        scopes=",".join(sorted(scopes)), created_at=clock.now(),
    )
    return row, key


async def authenticate_api_key(key: str) -> ServicePrincipal | None:
    if not looks_like_api_key(key) or len(key) > MAX_KEY_LENGTH:
        return None
    digest = _digest(key)
    kept = _kept.get(digest)
    if kept is not None and _monotonic() - kept[0] < REVOKED_KEY_BOUND_SECONDS:
        return kept[1]
    row = await ApiKey.filter(key_hash=digest, revoked_at=None).first()
    if row is None:
        _kept.pop(digest, None)
        return None
    await note_used(row.id)
    principal = ServicePrincipal(api_key_id=row.id, name=row.name, scopes=frozenset(row.scopes.split(",")))
    _kept[digest] = (_monotonic(), principal)
    _kept.move_to_end(digest)
    while len(_kept) > MAX_KEPT_KEYS:
        _kept.popitem(last=False)
    return principal


async def revoke_api_key(prefix: str) -> int:
    revoked = await ApiKey.filter(prefix=prefix, revoked_at=None).update(revoked_at=clock.now())
    _kept.clear()  # this process refuses it at once
    return revoked


async def revoke_api_keys_named(name: str) -> int:
    """Revokes every key not revoked yet that has this name; returns how many."""
    revoked = await ApiKey.filter(name=name.strip(), revoked_at=None).update(revoked_at=clock.now())
    _kept.clear()  # this process refuses them at once
    return revoked


async def list_api_keys(*, include_revoked: bool = False) -> list[ApiKey]:
    """The keys by name, then age; revoked ones only when asked."""
    query = ApiKey.all() if include_revoked else ApiKey.filter(revoked_at=None)
    return await query.order_by("name", "created_at", "id")


async def note_used(key_id: int) -> None:
    """Records that the key was used now, at most once per USE_RECORDED_EVERY per process
    (a write per request would cost every request a statement)."""
    now = clock.now()
    last = _recorded.get(key_id)
    if last is not None and now - last < USE_RECORDED_EVERY:
        return
    _recorded[key_id] = now
    await ApiKey.filter(id=key_id).update(last_used_at=now)
