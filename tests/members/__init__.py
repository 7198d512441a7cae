"""Members over HTTP. The helpers here take the state that a refused operation must leave
unchanged; tests/api/test_authorization.py uses them too."""
from __future__ import annotations

from typing import Any

from tortoise import Tortoise

from loyalty.members.models import Device, Member
from schema.relay import from_global_id


async def row_counts() -> dict[str, int]:
    """Rows in every table of the application: nothing created, nothing deleted."""
    return {model._meta.db_table: await model.all().count() for model in Tortoise.apps["loyalty"].values()}


def member_pk(global_id: str) -> int:
    parsed = from_global_id(global_id, "Member")
    assert parsed is not None, global_id
    return int(parsed[1])


async def member_state(global_id: str) -> dict[str, Any]:
    """Everything stored about one member that a member operation could change."""
    pk = member_pk(global_id)
    row = (await Member.filter(id=pk).values())[0]
    devices = await Device.filter(member_id=pk).order_by("id").values("platform", "token", "last_seen_at")
    return {"member": row, "devices": devices}
