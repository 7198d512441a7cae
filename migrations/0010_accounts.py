from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

_DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def _canonical(email: str) -> str:
    # As loyalty.members.validation.canonical_email was when this migration was written.
    local, _, domain = email.strip().lower().rpartition("@")
    domain = domain.rstrip(".")
    local = local.split("+", 1)[0] or local
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), _DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


async def backfill(apps, schema_editor) -> None:  # noqa: ANN001 - tortoise's migration hook
    """Every member's mailbox; a member who shares one with an earlier member keeps it apart
    with "#<id>" (both accounts go on working, found by the address as typed). Members who
    joined before addresses were verified count as verified since they joined: their emails
    go on as before."""
    client = schema_editor.client
    mark = "$1" if client.capabilities.dialect == "postgres" else "?"
    mark2 = "$2" if client.capabilities.dialect == "postgres" else "?"
    seen: set[str] = set()
    for row in await client.execute_query_dict("SELECT id, email FROM members ORDER BY id"):
        canonical = _canonical(row["email"])
        if canonical in seen:
            canonical = f"{canonical}#{row['id']}"
        seen.add(canonical)
        await client.execute_query(
            f"UPDATE members SET email_canonical = {mark} WHERE id = {mark2}", [canonical, row["id"]]
        )
    await client.execute_query("UPDATE members SET email_verified_at = joined_at WHERE email_verified_at IS NULL")


class Migration(migrations.Migration):
    """Accounts: one account per mailbox, verified addresses, single-use email tokens,
    idempotent sign-up, devices tied to the session that registered them."""

    dependencies = [('loyalty', '0009_outbox_delivered')]

    operations = [
        ops.CreateModel(
            name='AccountToken',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('loyalty.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='account_tokens', on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharField(max_length=20)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('email', fields.CharField(max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account_tokens', 'app': 'loyalty', 'pk_attr': 'id', 'table_description': 'A single-use token sent by email: to verify an address (on joining or when changing'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SignupRequest',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200)),
                ('request_hash', fields.CharField(max_length=64)),
                ('member', fields.ForeignKeyField('loyalty.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='signup_requests', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'signup_requests', 'app': 'loyalty', 'pk_attr': 'key', 'table_description': 'A sign-up made with an idempotency key: a retry with the same key and form answers'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Device',
            name='session_id',
            field=fields.UUIDField(null=True),
        ),
        ops.AddField(
            model_name='Member',
            name='email_canonical',
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AddField(
            model_name='Member',
            name='email_verified_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunPython(backfill, ops.RunPython.noop),
        ops.AddConstraint(
            model_name='Member',
            constraint=UniqueConstraint(fields=('email_canonical',), name='members_email_canonical_key'),
        ),
    ]
