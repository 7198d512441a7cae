"""A member with something in every table that holds personal data, and a scan of the whole database."""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from tortoise import Tortoise

from loyalty import changes, clock, sql
from loyalty.auth import email_tokens
from loyalty.jobs import JOBS
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import ISSUANCE, TransferCode
from loyalty.ledger.models import Asset
from loyalty.members import service as members
from loyalty.members.models import Member
from tests.members import member_pk
from tests.rewards import grant
from tests.support.gql import gql
from tests.support.shop import Joined, Shop, join

NAME = "Zelda Quorumfield"
EMAIL = "zelda.quorumfield@example.com"
NEW_EMAIL = "zq.elsewhere@example.org"  # an address a change link was sent to
BIRTHDAY = "1937-02-11"
DEVICE_TOKEN = "zq-device-7f3a91c2e0b54d18"
PERSONAL = (NAME, EMAIL, NEW_EMAIL, BIRTHDAY, DEVICE_TOKEN)

ERASE = "mutation($input: EraseMemberInput!) { eraseMember(input: $input) { erasedAt errors { code field } } }"
EXPORT = "query($n: String!) { exportMemberData(memberNumber: $n) }"
REFERRAL_CODE = "query { me { referral { code } } }"


async def give_credit(member_id: int, amount_minor: int) -> None:
    async with changes.member_change():
        account = await lock_member_account(member_id, Asset.CREDIT)
        await book.credit_member(account, amount_minor, book.Entry(
            TransferCode.ADJUSTMENT, f"credit:{uuid.uuid4().hex}", member_id, clock.now(), memo={"reason": "test"}),
            ISSUANCE)


async def zelda(client: httpx.AsyncClient, shop: Shop, referrer: Joined) -> Joined:
    """Zelda joined with the referrer's code and a birthday, bought twice (pending points, a
    completed referral), holds posted points and credit, a push device, and a link sent to
    another address."""
    code = (await gql(client, REFERRAL_CODE, token=referrer.token))["data"]["me"]["referral"]["code"]
    joined = await join(client, EMAIL, displayName=NAME, birthday=BIRTHDAY, referralCode=code)
    pk = member_pk(joined.id)
    await members.register_device(await Member.get(id=pk), "IOS", DEVICE_TOKEN)
    await email_tokens.issue(pk, email_tokens.CHANGE_EMAIL, NEW_EMAIL, 3600)
    past = (clock.now() - timedelta(days=20)).isoformat()
    assert (await shop.purchase(joined, orderId="Z-1", amount="100.00", occurredAt=past))["errors"] == []
    await JOBS["complete-referrals"](clock.now())
    assert (await shop.purchase(joined, orderId="Z-2", amount="40.00"))["errors"] == []
    await grant(pk, 700)
    await give_credit(pk, 1250)
    return joined


async def tables() -> list[str]:
    if sql.is_postgres():
        rows = await sql.fetch("SELECT table_name AS name FROM information_schema.tables "
                               "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
    else:
        rows = await sql.fetch("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    names = sorted(row["name"] for row in rows)
    assert set(names) >= {model._meta.db_table for model in Tortoise.apps["loyalty"].values()}
    return names


# Bookkeeping that any authenticated call writes, not a change made by the operation tested.
_NOT_COMPARED = {("api_keys", "last_used_at")}


async def dump() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table in the database, as text (but the last use of each API key)."""
    return {name: sorted(({key: str(value) for key, value in row.items() if (name, key) not in _NOT_COMPARED} for row in
                          await sql.fetch(f'SELECT * FROM "{name}"')), key=lambda r: sorted(r.items()))
            for name in await tables()}


def holding(everything: dict[str, list[dict[str, Any]]], values: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(table, column, value) of every cell that contains one of `values` (case aside)."""
    folded = [v.casefold() for v in values]
    return [(table, column, value) for table, rows in everything.items() for row in rows
            for column, value in row.items() if any(v in value.casefold() for v in folded)]
