from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Rewards and coupons, charity choices and donations, referrals."""

    dependencies = [("loyalty", "0003_tiers")]

    operations = [
        ops.CreateModel(
            name='RewardStock',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reward_code', fields.CharField(unique=True, max_length=64)),
                ('issued', fields.BigIntField(default=0)),
            ],
            options={'table': 'reward_stock', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'How many of a reward with limited stock were issued: the program file gives the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IssuedReward',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('reward_code', fields.CharField(max_length=64)),
                ('reward_name', fields.CharField(max_length=200)),
                ('reward_kind', fields.CharField(max_length=16)),
                ('code', fields.CharField(unique=True, max_length=24)),
                ('status', fields.CharField(max_length=10)),
                ('source', fields.CharField(max_length=10)),
                ('points', fields.BigIntField(default=0)),
                ('idempotency_key', fields.CharField(unique=True, null=True, max_length=255)),
                ('request_hash', fields.CharField(null=True, max_length=64)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('order_id', fields.CharField(null=True, max_length=200)),
                ('canceled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('spend_transfer_id', fields.BigIntField(null=True)),
                ('credit_transfer_id', fields.BigIntField(null=True)),
            ],
            options={'table': 'issued_rewards', 'app': 'loyalty', 'indexes': [Index(fields=['member_id', 'reward_code', 'issued_at']), Index(fields=['member_id', 'id']), Index(fields=['status', 'expires_at'])], 'pk_attr': 'id', 'table_description': 'A coupon issued to a member. Its code is unique and unguessable. Only the status'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CharityChoice',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField(unique=True)),
                ('charity_code', fields.CharField(null=True, max_length=64)),
                ('auto_donate_percent', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'charity_choices', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'The charity a member chose and the share of each award donated to it automatically.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Donation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('charity_code', fields.CharField(max_length=64)),
                ('points', fields.BigIntField()),
                ('value_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('source', fields.CharField(max_length=10)),
                ('transfer_id', fields.BigIntField()),
                ('idempotency_key', fields.CharField(unique=True, max_length=255)),
                ('request_hash', fields.CharField(null=True, max_length=64)),
                ('donated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'donations', 'app': 'loyalty', 'indexes': [Index(fields=['member_id', 'id']), Index(fields=['charity_code'])], 'pk_attr': 'id', 'table_description': 'Points given to a charity, valued at the point value of the day. Append-only.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReferralCode',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField(unique=True)),
                ('code', fields.CharField(unique=True, max_length=16)),
                ('device_hash', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'referral_codes', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'A member code to share, stored upper-case, with the device the member signed up on.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Referral',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('referrer_id', fields.BigIntField()),
                ('friend_id', fields.BigIntField(unique=True)),
                ('status', fields.CharField(max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('purchase_id', fields.BigIntField(null=True)),
                ('points', fields.BigIntField(default=0)),
                ('transfer_id', fields.BigIntField(null=True)),
            ],
            options={'table': 'referrals', 'app': 'loyalty', 'indexes': [Index(fields=['referrer_id', 'status']), Index(fields=['status', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A friend who signed up with a member code. One per friend.'},
            bases=['Model'],
        ),
    ]
