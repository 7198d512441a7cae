from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401


class Migration(migrations.Migration):
    """Rewards and coupons, charity choices and donations, referrals."""

    dependencies = [("loyalty", "0003_tiers")]

    operations: list = []
