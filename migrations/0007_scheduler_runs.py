from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """The scheduler's record of the job runs it made."""

    dependencies = [("loyalty", "0006_bonuses_cashback")]

    operations = [
        ops.CreateModel(
            name='SchedulerRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('job', fields.CharField(max_length=64)),
                ('day', fields.DateField()),
                ('ran_for', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=1)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('changed', fields.BigIntField(null=True)),
                ('error', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'scheduler_runs', 'app': 'loyalty', 'unique_together': (('job', 'day'),), 'pk_attr': 'id', 'table_description': 'One run of a daily job for one day of the program calendar: started, then finished.'},
            bases=['Model'],
        ),
    ]
