from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    """Erasure and webhooks: when a member was erased (members.erased_at) and the record of
    each erasure, the brand's webhook endpoints and their deliveries."""

    dependencies = [('loyalty', '0014_reports_segments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Erasure',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField(unique=True)),
                ('idempotency_key', fields.CharField(unique=True, max_length=255)),
                ('actor', fields.CharField(description='The API key name, or member for a deleted account', max_length=128)),
                ('points_forfeited', fields.BigIntField(default=0)),
                ('credit_forfeited_minor', fields.BigIntField(default=0)),
                ('erased_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_erasures', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'The record of a member erased: when, by whom and what their balances forfeited.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Webhook',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('url', fields.CharField(max_length=2000)),
                ('events', fields.JSONField(default=list, description='Topics, or * for every topic', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('secret', fields.CharField(description='The signing secret, shown once at creation', max_length=100)),
                ('created_by', fields.CharField(max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('deleted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhooks', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'An endpoint of the brand that receives the events it subscribed to.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=36)),
                ('webhook_id', fields.BigIntField()),
                ('event_id', fields.UUIDField()),
                ('topic', fields.CharField(max_length=64)),
                ('member_id', fields.BigIntField(null=True)),
                ('body', fields.TextField(description='The JSON body posted, the same at every attempt', unique=False)),
                ('status', fields.CharField(default='pending', max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_status_code', fields.IntField(null=True)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_deliveries', 'app': 'loyalty', 'indexes': [Index(fields=['status', 'next_attempt_at']), Index(fields=['webhook_id', 'created_at']), Index(fields=['member_id'])], 'pk_attr': 'id', 'table_description': 'One event for one endpoint. The key is derived from the two, so a repeat of the event makes no second delivery.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Member',
            name='erased_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
