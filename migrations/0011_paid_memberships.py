from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    """Paid memberships: the memberships, every step of their lifecycle, the plan payments
    and their refunds, and the yearly plan dividends."""

    dependencies = [('loyalty', '0010_accounts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Membership',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField(db_index=True)),
                ('live_member_id', fields.BigIntField(null=True, unique=True)),
                ('plan_code', fields.CharField(max_length=64)),
                ('status', fields.CharField(max_length=16)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('period_start', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('current_period_end', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('grace_ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancel_at_period_end', fields.BooleanField(default=False)),
                ('next_plan_code', fields.CharField(null=True, max_length=64)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('idempotency_key', fields.CharField(unique=True, max_length=255)),
                ('request_hash', fields.CharField(max_length=64)),
                ('reminded_for', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'memberships', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'A paid plan of a member. At most one is live (PENDING_PAYMENT, ACTIVE, PAST_DUE) per'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MembershipTransition',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('membership_id', fields.BigIntField(db_index=True)),
                ('from_status', fields.CharField(null=True, max_length=16)),
                ('to_status', fields.CharField(max_length=16)),
                ('event', fields.CharField(max_length=32)),
                ('actor', fields.CharField(max_length=128)),
                ('reason', fields.CharField(max_length=255)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'membership_transitions', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'Every step of a membership: who, when, why.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PlanDividend',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('year', fields.IntField()),
                ('membership_id', fields.BigIntField()),
                ('spend_minor', fields.BigIntField()),
                ('credit_minor', fields.BigIntField()),
                ('paid_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'plan_dividends', 'app': 'loyalty', 'unique_together': (('member_id', 'year'),), 'pk_attr': 'id', 'table_description': 'The yearly dividend of a plan: once per member and year.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PlanPayment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('payment_id', fields.CharField(unique=True, max_length=255)),
                ('membership_id', fields.BigIntField(db_index=True)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('period_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('period_end', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('paid_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('plan_code', fields.CharField(max_length=64)),
                ('credit_minor', fields.BigIntField(default=0)),
                ('credit_transfer_id', fields.BigIntField(null=True)),
                ('refund_id', fields.CharField(null=True, unique=True, max_length=255)),
                ('refunded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'plan_payments', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'A payment confirmed by the payment system, and its refund: once per provider id.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StripeEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event_id', fields.CharField(unique=True, max_length=255)),
                ('type', fields.CharField(max_length=64)),
                ('outcome', fields.CharField(max_length=64)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'stripe_events', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'A Stripe webhook event applied: a replay of the same event id changes nothing.'},
            bases=['Model'],
        ),
    ]
