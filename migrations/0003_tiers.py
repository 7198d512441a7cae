from tortoise import fields
from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Tier states: the level each member holds, until when, and operator overrides."""

    dependencies = [("loyalty", "0002_open_lots_index")]

    operations = [
        ops.CreateModel(
            name='TierState',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField(unique=True)),
                ('level', fields.CharField(max_length=64)),
                ('valid_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('baseline_level', fields.CharField(max_length=64)),
                ('baseline_valid_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('baseline_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('override_level', fields.CharField(null=True, max_length=64)),
                ('override_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('at_risk_warned_for', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'tier_states', 'app': 'loyalty', 'indexes': [Index(fields=['valid_until']), Index(fields=['override_until'])], 'pk_attr': 'id', 'table_description': 'The tier level a member earned, until when it holds, and an operator override.'},
            bases=['Model'],
        ),
    ]
