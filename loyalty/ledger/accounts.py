"""Finding, creating and locking accounts."""
from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty import sql
from loyalty.ledger.models import Account, AccountKind, Asset

_program_ids: dict[tuple[str, str], int] = {}


async def _get_or_create(asset: Asset, kind: AccountKind, member_id: int | None, code: str | None) -> int:
    filters = {"asset": asset.value, "kind": kind.value, "member_id": member_id, "code": code}
    row = await Account.filter(**filters).only("id").first()
    if row is not None:
        return row.id
    try:
        async with in_transaction():
            return (await Account.create(**filters)).id
    except IntegrityError:  # created by a concurrent request
        return (await Account.get(**filters)).id


async def program_account_id(asset: Asset, code: str) -> int:
    key = (asset.value, code)
    if key not in _program_ids:
        _program_ids[key] = await _get_or_create(asset, AccountKind.PROGRAM, None, code)
    return _program_ids[key]


def forget_cached_ids() -> None:
    """Tests that empty the database call this."""
    _program_ids.clear()


async def member_account_id(member_id: int, asset: Asset, kind: AccountKind = AccountKind.MEMBER) -> int:
    return await _get_or_create(asset, kind, member_id, None)


async def lock_member_account(member_id: int, asset: Asset) -> Account:
    """The member's account, locked until the transaction ends. Every balance change of a
    member takes this lock first, so one member's operations run one at a time; program
    accounts are locked last, which keeps lock order acyclic."""
    query = f"SELECT * FROM ledger_accounts WHERE asset = ? AND kind = ? AND member_id = ?{sql.for_update()}"
    row = await sql.fetch_one(query, asset.value, AccountKind.MEMBER.value, member_id)
    if row is None:  # the member's first change of this asset
        await member_account_id(member_id, asset)
        row = await sql.fetch_one(query, asset.value, AccountKind.MEMBER.value, member_id)
    return Account._init_from_db(**row)


async def find_member_account(member_id: int, asset: Asset, kind: AccountKind = AccountKind.MEMBER) -> Account | None:
    return await Account.get_or_none(asset=asset.value, kind=kind.value, member_id=member_id)
