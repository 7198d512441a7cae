from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401


class Migration(migrations.Migration):
    """The scheduler's record of the job runs it made."""

    dependencies = [("loyalty", "0006_bonuses_cashback")]

    operations: list = []
