import importlib

from tortoise import migrations
from tortoise.migrations import operations as ops

# The lean path's facts name no member once they are erased: the purchase is refused as
# NOT_FOUND, as the full path refuses it. The write compares the facts again under the
# member's lock, so an erasure committed in between is seen too.
_BEFORE = importlib.import_module("migrations.0017_fast_purchase").FACTS
_ANY_MEMBER = "FROM members m WHERE m.id = p_member)"
_LIVE_MEMBER = "FROM members m WHERE m.id = p_member AND m.erased_at IS NULL)"
assert _BEFORE.count(_ANY_MEMBER) == 1
FACTS = _BEFORE.replace(_ANY_MEMBER, _LIVE_MEMBER)


async def forward(apps, schema_editor) -> None:  # noqa: ANN001 - tortoise's migration hook
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(FACTS)


async def backward(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(_BEFORE)


class Migration(migrations.Migration):
    """recordPurchase's lean path refuses an erased member: its facts read only members who
    are not erased."""

    dependencies = [("loyalty", "0020_report_indexes")]

    operations = [
        ops.RunPython(forward, reverse_code=backward),
    ]
