import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Notifications and their deliveries."""

    dependencies = [("loyalty", "0004_rewards_charity_referrals")]

    operations: list = [
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.CharField(primary_key=True, max_length=36, unique=True, db_index=True)),
                ('event_id', fields.UUIDField()),
                ('topic', fields.CharField(max_length=64)),
                ('member_id', fields.BigIntField()),
                ('channel', fields.CharField(max_length=10)),
                ('device_id', fields.BigIntField(null=True)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='pending', max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notifications', 'app': 'loyalty', 'indexes': [Index(fields=['status', 'next_attempt_at']), Index(fields=['event_id'])], 'pk_attr': 'id', 'table_description': 'One message about one event on one channel to one address or device. The id is derived from those three, so a repeat carries the id of the original.'},
            bases=['Model'],
        ),
    ]
