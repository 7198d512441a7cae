"""Finding, creating and locking accounts.

Program accounts (issuance, redemption, expiry, rewards, cashback, one per charity) are
shared by every member's transactions, so they are never created inside one: a member's
transaction that rolled back would take the row with it while other requests went on
booking against its id. `ensure_program_accounts` creates every account the program
books against, in a transaction of its own, at start-up and whenever a program version is
applied. The process remembers an id only once its row is committed; a lookup that misses
creates the account in a transaction of its own (inside a caller's transaction on
PostgreSQL, on a connection of its own). SQLite has a single writer, held by the caller's
transaction, so there a miss creates the row in that transaction and the id is not
remembered (the next lookup reads it again, and remembers it once it is committed).
"""
from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from tortoise import connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty import sql
from loyalty.ledger.codes import (
    ADJUSTMENTS, CASHBACK, CREDIT_REDEMPTION, EXPIRED, ISSUANCE, PASS_SALES, REDEMPTION, REWARDS, charity_account,
)
from loyalty.ledger.models import Account, AccountKind, Asset

# Every program account that code books against, whatever the program says.
PROGRAM_ACCOUNTS: tuple[tuple[Asset, str], ...] = (
    (Asset.POINTS, ISSUANCE), (Asset.POINTS, REDEMPTION), (Asset.POINTS, EXPIRED), (Asset.POINTS, REWARDS),
    (Asset.CREDIT, ISSUANCE), (Asset.CREDIT, CASHBACK), (Asset.CREDIT, CREDIT_REDEMPTION), (Asset.CREDIT, REWARDS),
    (Asset.CREDIT, EXPIRED),
    (Asset.POINTS, ADJUSTMENTS), (Asset.CREDIT, ADJUSTMENTS),
    (Asset.PASS_CREDIT, PASS_SALES), (Asset.PASS_CREDIT, CREDIT_REDEMPTION), (Asset.PASS_CREDIT, EXPIRED),
)

# The program accounts that every purchase books against, split into this many rows (by the
# member's id modulo the count; the remainder 0 books against the account itself, the others
# against `<code>#<n>`), so that concurrent purchases do not all wait on one row. Balances and
# reports sum an account with its sub-accounts (`program_balances`).
SUB_ACCOUNTS = 8
SPLIT: frozenset[tuple[Asset, str]] = frozenset({(Asset.POINTS, ISSUANCE), (Asset.CREDIT, CASHBACK)})

_program_ids: dict[tuple[str, str], int] = {}
# SQLite: program accounts this task created inside a transaction that may not commit.
_created_uncommitted: ContextVar[frozenset[tuple[str, str]]] = ContextVar("created_uncommitted", default=frozenset())

_INSERT_PROGRAM = (
    "INSERT INTO ledger_accounts (asset, kind, member_id, code, posted, pending_in, pending_out, lifetime_earned) "
    "VALUES (?, ?, NULL, ?, 0, 0, 0, 0) ON CONFLICT DO NOTHING"
)


def program_accounts(charity_codes: Iterable[str] = ()) -> list[tuple[Asset, str]]:
    """The program accounts a program with these charities books against."""
    return [*PROGRAM_ACCOUNTS, *((Asset.POINTS, charity_account(code)) for code in charity_codes)]


def _in_transaction() -> bool:
    return isinstance(connections.get("default"), TransactionalDBClient)


async def _create_committed_apart(accounts: list[tuple[Asset, str]]) -> dict[tuple[str, str], int]:
    """`_create_committed` from inside a transaction, on PostgreSQL: on a connection of its
    own, outside the pool (the caller holds a pooled connection, and a burst of callers
    waiting for a second one could take the whole pool), committed before it returns."""
    import asyncpg

    credentials = _credentials()
    connection = await asyncpg.connect(**credentials)
    try:
        async with connection.transaction():
            for asset, code in accounts:
                await connection.execute(
                    "INSERT INTO ledger_accounts (asset, kind, member_id, code, posted, pending_in, pending_out, "
                    "lifetime_earned) VALUES ($1, $2, NULL, $3, 0, 0, 0, 0) ON CONFLICT DO NOTHING",
                    asset.value, AccountKind.PROGRAM.value, code,
                )
        rows = await connection.fetch(
            "SELECT id, asset, code FROM ledger_accounts WHERE kind = $1", AccountKind.PROGRAM.value
        )
    finally:
        await connection.close()
    ids = {(row["asset"], row["code"]): int(row["id"]) for row in rows}
    return {(asset.value, code): ids[(asset.value, code)] for asset, code in accounts}


def _credentials() -> dict[str, Any]:
    config = connections.db_config["default"]
    credentials = (expand_db_url(config) if isinstance(config, str) else config)["credentials"]
    return {key: credentials[key] for key in ("host", "port", "user", "password", "database", "ssl")
            if credentials.get(key) is not None}


async def _create_committed(accounts: list[tuple[Asset, str]]) -> dict[tuple[str, str], int]:
    """Creates the missing program accounts in one transaction of its own and returns the
    ids of all of them, committed. Call it outside any transaction."""
    async with in_transaction():
        for asset, code in accounts:
            await sql.execute(_INSERT_PROGRAM, asset.value, AccountKind.PROGRAM.value, code)
    rows = await sql.fetch(
        "SELECT id, asset, code FROM ledger_accounts WHERE kind = ?", AccountKind.PROGRAM.value
    )
    ids = {(row["asset"], row["code"]): int(row["id"]) for row in rows}
    return {(asset.value, code): ids[(asset.value, code)] for asset, code in accounts}


async def ensure_program_accounts(charity_codes: Iterable[str] = ()) -> None:
    """Makes sure every program account exists and is committed (in a transaction of its
    own, never the caller's) and remembers their ids. Idempotent; run at start-up and when
    a program version is applied."""
    accounts = program_accounts(charity_codes)
    if not _in_transaction():
        ids = await _create_committed(accounts)
    elif sql.is_postgres():
        ids = await _create_committed_apart(accounts)
    else:
        raise RuntimeError("program accounts are ensured outside any transaction on SQLite")
    _program_ids.update(ids)


async def program_account_id(asset: Asset, code: str) -> int:
    key = (asset.value, code)
    cached = _program_ids.get(key)
    if cached is not None:
        return cached
    in_transaction_ = _in_transaction()
    found = await _select_program(asset, code)
    if found is not None and (not in_transaction_ or key not in _created_uncommitted.get()):
        # Committed: no other transaction of the process creates program accounts (PostgreSQL),
        # or none is open while the caller's is (SQLite, where this task did not create it).
        account_id = found
    elif found is not None:
        return found
    elif not in_transaction_:
        account_id = (await _create_committed([(asset, code)]))[key]
    elif sql.is_postgres():
        account_id = (await _create_committed_apart([(asset, code)]))[key]
    else:
        # SQLite: the caller's transaction holds the only writer. The row is created in it,
        # exists only if it commits, and its id is not remembered.
        await sql.execute(_INSERT_PROGRAM, asset.value, AccountKind.PROGRAM.value, code)
        _created_uncommitted.set(_created_uncommitted.get() | {key})
        created = await _select_program(asset, code)
        assert created is not None
        return created
    _program_ids[key] = account_id
    return account_id


async def _select_program(asset: Asset, code: str) -> int | None:
    row = await sql.fetch_one(
        "SELECT id FROM ledger_accounts WHERE asset = ? AND kind = ? AND code = ?",
        asset.value, AccountKind.PROGRAM.value, code,
    )
    return None if row is None else int(row["id"])


def sub_account(asset: Asset, code: str, member_id: int) -> str:
    """The code of the (sub-)account of program account `code` that `member_id` books against."""
    part = member_id % SUB_ACCOUNTS
    return code if part == 0 or (asset, code) not in SPLIT else f"{code}#{part}"


def parent_code(code: str) -> str:
    """The program account a sub-account belongs to (`issuance#3` -> `issuance`)."""
    return code.split("#", 1)[0]


async def program_balances() -> dict[tuple[str, str], tuple[int, int, int]]:
    """(posted, pending in, pending out) of every program account, its sub-accounts included,
    by (asset, code): what a report shows as one account."""
    rows = await sql.fetch(
        "SELECT asset, code, posted, pending_in, pending_out FROM ledger_accounts WHERE kind = ?",
        AccountKind.PROGRAM.value,
    )
    found: dict[tuple[str, str], tuple[int, int, int]] = {}
    for row in rows:
        key = (row["asset"], parent_code(row["code"]))
        posted, pending_in, pending_out = found.get(key, (0, 0, 0))
        found[key] = (posted + int(row["posted"]), pending_in + int(row["pending_in"]),
                      pending_out + int(row["pending_out"]))
    return found


def forget_cached_ids() -> None:
    """Tests that empty the database call this."""
    _program_ids.clear()


async def _get_or_create(asset: Asset, kind: AccountKind, member_id: int) -> int:
    filters: dict[str, Any] = {"asset": asset.value, "kind": kind.value, "member_id": member_id, "code": None}
    row = await Account.filter(**filters).only("id").first()
    if row is not None:
        return int(row.id)
    try:
        async with in_transaction():
            return int((await Account.create(**filters)).id)
    except IntegrityError:  # created by a concurrent request
        return int((await Account.get(**filters)).id)


async def member_account_id(member_id: int, asset: Asset, kind: AccountKind = AccountKind.MEMBER) -> int:
    """A member's account (created in the caller's transaction on first use: a member's
    accounts are only ever booked against in that member's own transactions)."""
    return await _get_or_create(asset, kind, member_id)


async def lock_member_account(member_id: int, asset: Asset) -> Account:
    """The member's account, locked until the transaction ends. Every balance change of a
    member takes this lock first, so one member's operations run one at a time; program
    accounts are locked last, which keeps lock order acyclic."""
    filters = {"asset": asset.value, "kind": AccountKind.MEMBER.value, "member_id": member_id}
    # FOR UPDATE on PostgreSQL; SQLite has one writer and serializes transactions anyway.
    account = await Account.select_for_update().get_or_none(**filters)
    if account is None:  # the member's first change of this asset
        await member_account_id(member_id, asset)
        account = await Account.select_for_update().get(**filters)
    return account


async def find_member_account(member_id: int, asset: Asset, kind: AccountKind = AccountKind.MEMBER) -> Account | None:
    return await Account.get_or_none(asset=asset.value, kind=kind.value, member_id=member_id)
