from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

# Prefix search of members (loyalty.members.search): on PostgreSQL, text_pattern_ops indexes
# serve LIKE 'prefix%' whatever the collation; on SQLite the plain unique indexes serve the
# ranges of email and number, and the name needs an index on lower(display_name).
_POSTGRES = (
    ("members_email_prefix", "members (email_normalized text_pattern_ops)"),
    ("members_number_prefix", "members (member_number text_pattern_ops)"),
    ("members_name_prefix", "members (lower(display_name) text_pattern_ops)"),
)
_SQLITE = (("members_name_prefix", "members (lower(display_name))"),)


def _indexes(client):
    return _POSTGRES if client.capabilities.dialect == "postgres" else _SQLITE


async def create_search_indexes(apps, schema_editor) -> None:
    for name, target in _indexes(schema_editor.client):
        await schema_editor.client.execute_script(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


async def drop_search_indexes(apps, schema_editor) -> None:
    for name, _ in _indexes(schema_editor.client):
        await schema_editor.client.execute_script(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    """Staff operations and the audit log: the append-only audit log, balance adjustments
    with their idempotency keys, blocked members, an index of notifications by member, and
    the indexes that match members by the start of their email, number or name."""

    dependencies = [('loyalty', '0012_passes_visits')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Adjustment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('asset', fields.CharField(max_length=8)),
                ('amount', fields.BigIntField()),
                ('reason', fields.CharField(max_length=500)),
                ('actor', fields.CharField(max_length=128)),
                ('idempotency_key', fields.CharField(unique=True, max_length=255)),
                ('request_hash', fields.CharField(max_length=64)),
                ('transfer_id', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'adjustments', 'app': 'loyalty', 'indexes': [Index(fields=['member_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A staff adjustment of a member balance: the signed amount, the reason the member sees, who made it. Append-only.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(max_length=128)),
                ('api_key_id', fields.BigIntField(null=True)),
                ('action', fields.CharField(max_length=64)),
                ('member_id', fields.BigIntField(null=True)),
                ('reason', fields.CharField(null=True, max_length=500)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'audit_log', 'app': 'loyalty', 'indexes': [Index(fields=['member_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One staff action or program change: who, when, what, why, and the values before and after. Append-only.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberBlock',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField(unique=True)),
                ('reason', fields.CharField(max_length=500)),
                ('actor', fields.CharField(max_length=128)),
                ('blocked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_blocks', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'A member blocked for review: earning goes on, spending does not. Removed when unblocked (the audit log keeps the history).'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Notification',
            index=Index(fields=['member_id', 'created_at']),
        ),
        ops.RunPython(create_search_indexes, reverse_code=drop_search_indexes),
    ]
