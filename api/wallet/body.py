"""The small JSON bodies of the wallet's routes: one string field, or nothing usable."""
from __future__ import annotations

import json

from starlette.requests import Request


async def string_field(request: Request, name: str, max_chars: int) -> str | None:
    """`name` of a JSON object body of at most `max_chars`; None for anything else."""
    raw = (await request.body()).decode("utf-8", "replace")
    if len(raw) > max_chars:
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) else None
