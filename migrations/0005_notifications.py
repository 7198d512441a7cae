from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401


class Migration(migrations.Migration):
    """Notifications and their deliveries."""

    dependencies = [("loyalty", "0004_rewards_charity_referrals")]

    operations: list = []
