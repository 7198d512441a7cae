"""Global ids of passes and pass products, as domain ids (NOT_FOUND when they name nothing)."""
from __future__ import annotations

from loyalty.errors import NotFound
from schema.relay import from_global_id, int_key


def pass_pk(global_id: str | None, field: str = "passId") -> int | None:
    if global_id is None:
        return None
    parsed = from_global_id(global_id, "Pass")
    pk = None if parsed is None else int_key(parsed[1])
    if pk is None:
        raise NotFound("No pass with that id.", field=field)
    return pk


def product_code(global_id: str) -> str:
    parsed = from_global_id(global_id, "PassProduct")
    if parsed is None:
        raise NotFound("No pass product with that id.", field="passProductId")
    return parsed[1]
