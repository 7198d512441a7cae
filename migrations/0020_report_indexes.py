from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Transfers by the moment they were booked and posted: a report reads what was booked
    after its end (the lots' late allocations, the pending transfers) and the flows of its
    period without scanning the whole ledger."""

    dependencies = [("loyalty", "0019_pass_history")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Transfer',
            index=Index(fields=['created_at']),
        ),
        ops.AddIndex(
            model_name='Transfer',
            index=Index(fields=['posted_at']),
        ),
    ]
