from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

# On PostgreSQL the database also keeps the passes' rules: a credit pass's account never
# below zero, a visit pack never used past its total. (SQLite would have to rebuild
# ledger_accounts for the first; there the guarded UPDATEs and verify-ledger keep them.)
CONSTRAINTS = (
    ("ledger_accounts", "ledger_accounts_pass_not_below_zero", "CHECK (kind <> 'pass' OR posted >= 0)"),
    ("passes", "passes_visits_within_total", "CHECK (visits_total IS NULL OR visits_used <= visits_total)"),
)


async def forward(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        for table, name, clause in CONSTRAINTS:
            await client.execute_query(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {clause}')


async def backward(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        for table, name, _ in reversed(CONSTRAINTS):
            await client.execute_query(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')


class Migration(migrations.Migration):
    """Passes and visits: the members' passes (punch cards, visit packs, time passes, credit
    passes), their payments and refunds, the pass credit spent on orders, and the visits
    reported by the booking system; on PostgreSQL, CHECK constraints for pass accounts and
    visit packs."""

    dependencies = [('loyalty', '0011_paid_memberships')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Pass',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField(db_index=True)),
                ('product_code', fields.CharField(max_length=64)),
                ('kind', fields.CharField(max_length=16)),
                ('status', fields.CharField(max_length=16)),
                ('visits_used', fields.IntField(default=0)),
                ('visits_total', fields.IntField(null=True)),
                ('valid_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('valid_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('visits_left_at_end', fields.IntField(null=True)),
                ('credit_account_id', fields.BigIntField(null=True)),
                ('open_card_key', fields.CharField(null=True, unique=True, max_length=100)),
                ('idempotency_key', fields.CharField(null=True, unique=True, max_length=255)),
                ('request_hash', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_expiry', fields.BooleanField(default=False)),
                ('reminded_low', fields.BooleanField(default=False)),
            ],
            options={'table': 'passes', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'A pass of a member. A punch card is open (ACTIVE) until its last stamp: open_card_key'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PassCreditSpend',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('purchase_id', fields.BigIntField(unique=True)),
                ('pass_id', fields.BigIntField(db_index=True)),
                ('amount_minor', fields.BigIntField()),
                ('restored_minor', fields.BigIntField(default=0)),
                ('transfer_id', fields.BigIntField()),
            ],
            options={'table': 'pass_credit_spends', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'Pass credit spent on an order, and what refunds of the order gave back to the pass.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PassPayment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('payment_id', fields.CharField(unique=True, max_length=255)),
                ('pass_id', fields.BigIntField(unique=True)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('paid_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('refund_id', fields.CharField(null=True, unique=True, max_length=255)),
                ('refunded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('visits_used_at_refund', fields.IntField(null=True)),
            ],
            options={'table': 'pass_payments', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'A pass payment confirmed by the payment system, and its refund: once per provider id.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Visit',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reference', fields.CharField(unique=True, max_length=200)),
                ('member_id', fields.BigIntField()),
                ('pass_id', fields.BigIntField(null=True, db_index=True)),
                ('location', fields.CharField(null=True, max_length=100)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('request_hash', fields.CharField(max_length=64)),
                ('issued_reward_id', fields.BigIntField(null=True)),
                ('points_awarded', fields.IntField(default=0)),
            ],
            options={'table': 'visits', 'app': 'loyalty', 'indexes': [Index(fields=['member_id', 'occurred_at'])], 'pk_attr': 'id', 'table_description': 'A visit reported by the booking or check-in system, once per reference.'},
            bases=['Model'],
        ),
        ops.RunPython(forward, reverse_code=backward),
    ]
