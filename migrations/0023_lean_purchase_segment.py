import importlib

from tortoise import migrations
from tortoise.migrations import operations as ops

# The lean path's facts carry the member's segment (of the latest scoring), so that a promotion
# limited to segments gives its points on the lean path exactly as on the full one.
_BEFORE = importlib.import_module("migrations.0021_lean_purchase_erased").FACTS
_LAST = "                 FROM bonus_days b WHERE b.member_id = p_member AND b.period_start >= p_from - 400)\n"
_WITH_SEGMENT = _LAST.rstrip("\n") + ",\n  'segment', (SELECT g.segment FROM member_segments g WHERE g.member_id = p_member)\n"
assert _BEFORE.count(_LAST) == 1
FACTS = _BEFORE.replace(_LAST, _WITH_SEGMENT)


async def forward(apps, schema_editor) -> None:  # noqa: ANN001 - tortoise's migration hook
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(FACTS)


async def backward(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(_BEFORE)


class Migration(migrations.Migration):
    """recordPurchase's lean path reads the member's segment with its other facts, for
    promotions limited to segments."""

    dependencies = [("loyalty", "0022_job_write_path")]

    operations = [
        ops.RunPython(forward, reverse_code=backward),
    ]
