from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """An outbox event is done when a consumer has handled it (delivered_at), not when it was
    added to the stream (published_at). Events relayed before this change count as delivered,
    as they did then."""

    dependencies = [("loyalty", "0008_ledger_constraints")]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboxEvent',
            name='delivered_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxEvent',
            name='stream_id',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddIndex(
            model_name='OutboxEvent',
            index=Index(fields=['delivered_at', 'published_at']),
        ),
        ops.RunSQL(
            "UPDATE outbox_events SET delivered_at = published_at WHERE published_at IS NOT NULL",
            reverse_sql="SELECT 1",
        ),
    ]
