from tortoise import migrations
from tortoise.migrations import operations as ops

# Partial indexes (which the ORM cannot declare): a transfer is entered in the index of a
# column only when it has a value there (most transfers reverse nothing and belong to no
# purchase or batch), and in the index of pending transfers only while it is pending, so
# posting a transfer adds no entry to it.
_PARTIAL = [
    ("ledger_transfers_pending", "ledger_transfers (member_id, available_at) WHERE status = 'pending'"),
    ("ledger_transfers_reverses_id", "ledger_transfers (reverses_id) WHERE reverses_id IS NOT NULL"),
    ("ledger_transfers_purchase_id", "ledger_transfers (purchase_id) WHERE purchase_id IS NOT NULL"),
    ("ledger_transfers_batch_id", "ledger_transfers (batch_id) WHERE batch_id IS NOT NULL"),
]


class Migration(migrations.Migration):
    """Fewer index entries per row written by the nightly jobs: the transfers' indexes on
    status, reverses_id, purchase_id and batch_id become partial; lots are indexed by account
    only while open (`ledger_lots_open`), and no longer by expiry date (expire-points finds
    the accounts due on the expiry schedule, which sums those lots)."""

    dependencies = [("loyalty", "0021_lean_purchase_erased")]

    operations = [
        ops.RemoveIndex(model_name="Transfer", fields=["status", "available_at"]),
        ops.RemoveIndex(model_name="Transfer", fields=["reverses_id"]),
        ops.RemoveIndex(model_name="Transfer", fields=["purchase_id"]),
        ops.RemoveIndex(model_name="Transfer", fields=["batch_id"]),
        ops.RemoveIndex(model_name="Lot", fields=["account_id", "expires_at"]),
        *[ops.RunSQL(f"CREATE INDEX {name} ON {target}", reverse_sql=f"DROP INDEX {name}") for name, target in _PARTIAL],
        ops.RunSQL(
            "DROP INDEX ledger_lots_open_by_expiry",
            reverse_sql="CREATE INDEX ledger_lots_open_by_expiry ON ledger_lots (expires_at, account_id) "
            "WHERE remaining > 0",
        ),
    ]
