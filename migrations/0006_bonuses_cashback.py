from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class AddCounter(ops.AddField):
    """Adds a whole-number column that existing rows start at 0. The column gets a database
    default, which a plain AddField does not give: without it, a table that already has rows
    cannot take a NOT NULL column."""

    def __init__(self, model_name: str, name: str) -> None:
        super().__init__(model_name, name, fields.BigIntField(default=0))

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if not state_editor:
            return
        table = new_state.apps.get_model(f"{app_label}.{self.model_name}")._meta.db_table
        await state_editor._run_sql(f'ALTER TABLE "{table}" ADD COLUMN "{self.name}" BIGINT NOT NULL DEFAULT 0')


class Migration(migrations.Migration):
    """Bonus days, birthday and yearly rewards, cashback and expiry policies."""

    dependencies = [("loyalty", "0005_notifications")]

    operations: list = [
        ops.CreateModel(
            name='BonusDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('period_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('day', fields.DateField()),
                ('chosen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bonus_days', 'app': 'loyalty', 'unique_together': (('member_id', 'period_start'),), 'pk_attr': 'id', 'table_description': 'The date a member chose for the bonus-day multiplier: one per qualification period.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RewardGrant',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('kind', fields.CharField(max_length=16)),
                ('year', fields.IntField()),
                ('tier', fields.CharField(max_length=64)),
                ('points', fields.BigIntField(default=0)),
                ('credit_minor', fields.BigIntField(default=0)),
                ('granted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'reward_grants', 'app': 'loyalty', 'unique_together': (('member_id', 'kind', 'year'),), 'pk_attr': 'id', 'table_description': 'A birthday or yearly reward given to a member: at most one per kind and year.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ExpiryWarning',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account_id', fields.BigIntField()),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('points', fields.BigIntField()),
                ('warned_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('batch_id', fields.CharField(max_length=36)),
            ],
            options={'table': 'ledger_expiry_warnings', 'app': 'loyalty', 'unique_together': (('account_id', 'expires_at'),), 'pk_attr': 'id', 'table_description': 'A warning sent for the points of an account that expire at one moment: once each.'},
            bases=['Model'],
        ),
        AddCounter(model_name='Purchase', name='credit_spent_minor'),
        AddCounter(model_name='Purchase', name='cashback_clawed_back_minor'),
        AddCounter(model_name='Purchase', name='credit_restored_minor'),
        ops.AddField(model_name='Purchase', name='cashback_transfer_id', field=fields.BigIntField(null=True)),
        ops.AddField(model_name='Purchase', name='credit_spend_transfer_id', field=fields.BigIntField(null=True)),
        AddCounter(model_name='Refund', name='cashback_clawed_back_minor'),
        AddCounter(model_name='Refund', name='credit_restored_minor'),
    ]
