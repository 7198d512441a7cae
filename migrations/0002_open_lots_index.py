from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Lots with points left, in spending order: a debit reads only these, however long
    the member's history (a partial index, which the ORM cannot declare)."""

    dependencies = [("loyalty", "0001_initial")]

    operations = [
        ops.RunSQL(
            "CREATE INDEX ledger_lots_open ON ledger_lots (account_id, expires_at, id) WHERE remaining > 0",
            reverse_sql="DROP INDEX ledger_lots_open",
        ),
    ]
