from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    """Operations: when each API key was last used, and the trace context an outbox event
    carries from the request that wrote it to the worker that delivers it."""

    dependencies = [('loyalty', '0015_gdpr_webhooks')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ApiKey',
            name='last_used_at',
            field=fields.DatetimeField(null=True, description='When a request last used it, to the minute or so', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxEvent',
            name='trace_context',
            field=fields.CharField(null=True, max_length=128),
        ),
    ]
