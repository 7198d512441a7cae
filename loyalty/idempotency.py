"""Request fingerprints: the same key with other arguments is a conflict, not a replay."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from loyalty.errors import ErrorCode, IdempotencyConflict, LoyaltyError

MAX_KEY_LENGTH = 200


def fingerprint(**arguments: Any) -> str:
    text = json.dumps(arguments, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def check_replay(stored_hash: str, request_hash: str, what: str) -> None:
    if stored_hash != request_hash:
        raise IdempotencyConflict(f"This {what} was already recorded with other details.")


def check_key(key: str, field: str) -> str:
    key = key.strip()
    if not key:
        raise LoyaltyError("An id is required.", field=field, code=ErrorCode.REQUIRED)
    if len(key) > MAX_KEY_LENGTH or any(ord(ch) < 32 for ch in key):
        raise LoyaltyError(f"The id must be at most {MAX_KEY_LENGTH} printable characters.", field=field)
    return key
