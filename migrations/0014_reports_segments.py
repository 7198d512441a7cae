from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    """Segments: the RFM scores of each member and the segment they put the member in, one
    row per member, replaced by the nightly job."""
    dependencies = [('loyalty', '0013_staff_audit')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MemberSegment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField(unique=True)),
                ('segment', fields.CharField(null=True, max_length=64)),
                ('recency', fields.SmallIntField()),
                ('frequency', fields.SmallIntField()),
                ('monetary', fields.SmallIntField()),
                ('computed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_segments', 'app': 'loyalty', 'indexes': [Index(fields=['segment', 'member_id'])], 'pk_attr': 'id', 'table_description': 'The RFM scores of a member (0 to 5 each) and the segment they put the member in (null'},
            bases=['Model'],
        ),
    ]
