from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    """The visits and pass changes of a member's history that move no value, and the pass
    credit an erased member forfeited."""

    dependencies = [('loyalty', '0018_job_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PassHistory',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('pass_id', fields.BigIntField()),
                ('kind', fields.CharField(max_length=8)),
                ('code', fields.CharField(max_length=24)),
                ('memo', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reference', fields.CharField(null=True, max_length=200)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('after_transfer_id', fields.BigIntField(default=0)),
            ],
            options={'table': 'pass_history', 'app': 'loyalty', 'indexes': [Index(fields=['member_id', 'after_transfer_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A visit or a pass change that moves no value, for the history of a member (Member.activity)'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Erasure',
            name='pass_credit_forfeited_minor',
            field=fields.BigIntField(default=0),
        ),
    ]

