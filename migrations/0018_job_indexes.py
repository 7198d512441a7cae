from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Open lots by expiry date: expire-points finds the accounts with lots due without
    reading the others (a partial index, which the ORM cannot declare)."""

    dependencies = [("loyalty", "0017_fast_purchase")]

    operations = [
        ops.RunSQL(
            "CREATE INDEX ledger_lots_open_by_expiry ON ledger_lots (expires_at, account_id) WHERE remaining > 0",
            reverse_sql="DROP INDEX ledger_lots_open_by_expiry",
        ),
    ]
