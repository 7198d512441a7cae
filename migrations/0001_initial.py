from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='ApiKey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('prefix', fields.CharField(max_length=16)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('scopes', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_keys', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'A key for the shop backend or staff tools, stored as its SHA-256.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Member',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_number', fields.CharField(unique=True, max_length=16)),
                ('email', fields.CharField(max_length=254)),
                ('email_normalized', fields.CharField(unique=True, max_length=254)),
                ('password_hash', fields.CharField(max_length=255)),
                ('display_name', fields.CharField(max_length=100)),
                ('birthday', fields.DateField(null=True)),
                ('locale', fields.CharField(default='en', max_length=35)),
                ('marketing_consent', fields.BooleanField(default=False)),
                ('notify_email', fields.BooleanField(default=True)),
                ('notify_push', fields.BooleanField(default=True)),
                ('notify_marketing', fields.BooleanField(default=False)),
                ('joined_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'members', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'A member of the program. Deleting one is not supported: balances hang off it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Device',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('loyalty.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='devices', on_delete=OnDelete.CASCADE)),
                ('platform', fields.CharField(max_length=10)),
                ('token', fields.TextField(unique=False)),
                ('token_hash', fields.CharField(max_length=64)),
                ('registered_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'devices', 'app': 'loyalty', 'unique_together': (('platform', 'token_hash'),), 'pk_attr': 'id', 'table_description': 'A push target: an FCM or APNs token, or a Web Push subscription (JSON).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProgramVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('version', fields.IntField(unique=True)),
                ('checksum', fields.CharField(max_length=64)),
                ('source', fields.TextField(unique=False)),
                ('applied_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'program_versions', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'A program file as applied. Append-only: a change is a new version.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SessionFamily',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('loyalty.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_reason', fields.CharField(null=True, max_length=20)),
            ],
            options={'table': 'auth_sessions', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'One sign-in on one device: every refresh token rotated from it belongs to it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefreshToken',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('family', fields.ForeignKeyField('loyalty.SessionFamily', source_field='family_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('parent_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('rotated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'auth_refresh_tokens', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'An opaque refresh token, stored as its SHA-256, used once and then rotated.'},
            bases=['Model'],
        ),
    ]
