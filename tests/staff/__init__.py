"""Helpers for the staff tests: members in a language, staff keys, and the GraphQL operations."""
from __future__ import annotations

from typing import Any

import httpx

from loyalty.audit.models import AuditEntry
from loyalty.members.models import Member
from tests.rewards import new_member
from tests.support.gql import gql
from tests.support.shop import WALLET, api_key

STAFF_SCOPES = ("staff:write", "members:read")

ADJUST_POINTS = f"""
mutation($input: AdjustPointsInput!) {{
  adjustPoints(input: $input) {{ wallet {{ {WALLET} }} errors {{ code field message }} }}
}}"""
ADJUST_CREDIT = f"""
mutation($input: AdjustCreditInput!) {{
  adjustCredit(input: $input) {{ wallet {{ {WALLET} }} errors {{ code field message }} }}
}}"""
HISTORY = """
query($n: String!) {
  memberByNumber(memberNumber: $n) {
    activity { edges { node { kind status points credit { amount currencyCode } description } } }
  }
}"""


async def staff_key(name: str = "support desk") -> str:
    return await api_key(*STAFF_SCOPES, name=name)


async def member(locale: str = "en", email: str | None = None, name: str = "Ann") -> Member:
    member_id = await new_member(email, name)
    row = await Member.get(id=member_id)
    if locale != "en":
        row.locale = locale
        await row.save(update_fields=["locale"])
    return row


async def adjust_points(client: httpx.AsyncClient, key: str, number: str, points: int, reason: str = "Goodwill",
                        idempotency_key: str = "adj-1") -> dict[str, Any]:
    body = await gql(client, ADJUST_POINTS, {"input": {
        "memberNumber": number, "points": points, "reason": reason, "idempotencyKey": idempotency_key}}, token=key)
    return body["data"]["adjustPoints"]


async def adjust_credit(client: httpx.AsyncClient, key: str, number: str, amount: str, reason: str = "Goodwill",
                        idempotency_key: str = "credit-1", currency: str = "EUR") -> dict[str, Any]:
    body = await gql(client, ADJUST_CREDIT, {"input": {
        "memberNumber": number, "amount": amount, "currencyCode": currency, "reason": reason,
        "idempotencyKey": idempotency_key}}, token=key)
    return body["data"]["adjustCredit"]


async def history(client: httpx.AsyncClient, key: str, number: str) -> list[dict[str, Any]]:
    body = await gql(client, HISTORY, {"n": number}, token=key)
    return [edge["node"] for edge in body["data"]["memberByNumber"]["activity"]["edges"]]


async def audit_rows(member_id: int | None = None) -> list[tuple]:
    query = AuditEntry.all() if member_id is None else AuditEntry.filter(member_id=member_id)
    return [tuple(row) for row in await query.order_by("id").values_list(
        "actor", "action", "member_id", "reason", "before", "after")]
