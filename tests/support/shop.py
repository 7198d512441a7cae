"""Helpers for the shop's side of the API: keys with scopes, purchases, refunds, actions,
and reading a member's wallet and history over HTTP."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from loyalty.auth.api_keys import create_api_key
from tests.support.gql import LOG_IN, PASSWORD, gql, sign_up

PURCHASE = """
id orderId amount { amount currencyCode } refundedAmount { amount currencyCode } status
pointsAwarded pointsSpent pointsTakenBack pointsReturned cashback { amount currencyCode } occurredAt
member { id }
"""
WALLET = (
    "points pendingPoints lifetimePoints pointsOwed expiringPoints { points expiresAt } "
    "credit { amount currencyCode }"
)
ENTRY = "id occurredAt kind status points availableAt description reference credit { amount currencyCode }"
ACTIVITY = f"edges {{ cursor node {{ {ENTRY} }} }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}"

RECORD_PURCHASE = f"""
mutation($input: RecordPurchaseInput!) {{
  recordPurchase(input: $input) {{ purchase {{ {PURCHASE} }} errors {{ code field message }} }}
}}"""
REFUND_PURCHASE = f"""
mutation($input: RefundPurchaseInput!) {{
  refundPurchase(input: $input) {{ purchase {{ {PURCHASE} }} errors {{ code field message }} }}
}}"""
RECORD_ACTION = f"""
mutation($input: RecordActionInput!) {{
  recordAction(input: $input) {{
    pointsAwarded limitReached member {{ id wallet {{ {WALLET} }} }} errors {{ code field message }}
  }}
}}"""
MEMBER_NODE = f"""
query($id: ID!, $first: Int, $after: String) {{
  node(id: $id) {{
    ... on Member {{ id locale wallet {{ {WALLET} }} activity(first: $first, after: $after) {{ {ACTIVITY} }} }}
  }}
}}"""
ME = f"""
query($first: Int, $after: String) {{
  me {{ id locale wallet {{ {WALLET} }} activity(first: $first, after: $after) {{ {ACTIVITY} }} }}
}}"""
PURCHASE_NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Purchase {{ {PURCHASE} }} }} }}"

SHOP_SCOPES = ("purchases:write", "members:read")


async def api_key(*scopes: str, name: str = "shop backend") -> str:
    """The plaintext of a new API key with these scopes."""
    return (await create_api_key(name, frozenset(scopes)))[1]


def iso(moment: datetime) -> str:
    return moment.isoformat()


def at(text: str) -> datetime:
    """A DateTime field read back from the API."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Joined:
    id: str
    number: str
    email: str
    token: str

    @property
    def spaced_number(self) -> str:
        return " ".join(self.number[i : i + 4] for i in range(0, len(self.number), 4))


async def join(client: httpx.AsyncClient, email: str = "ann@example.com", *, verified: bool = True,
               **extra: Any) -> Joined:
    """A member signed up through the API; their address verified (as if they had used the
    emailed link) unless `verified` is false, so that their emails go out."""
    from loyalty import clock
    from loyalty.members.models import Member
    from schema.relay import from_global_id

    payload = await sign_up(client, email, **extra)
    member = payload["member"]
    if verified:
        await Member.filter(id=int(from_global_id(member["id"])[1])).update(email_verified_at=clock.now())
    return Joined(member["id"], member["memberNumber"], email, payload["accessToken"])


async def log_in(client: httpx.AsyncClient, email: str) -> str:
    body = await gql(client, LOG_IN, {"input": {"email": email, "password": PASSWORD}})
    payload = body["data"]["logIn"]
    assert payload["errors"] == [], payload["errors"]
    return payload["accessToken"]


class Shop:
    """The shop's backend, calling with one API key (by default purchases:write and members:read)."""

    def __init__(self, client: httpx.AsyncClient, key: str):
        self.client, self.key = client, key

    @classmethod
    async def open(cls, client: httpx.AsyncClient, *scopes: str) -> Shop:
        return cls(client, await api_key(*(scopes or SHOP_SCOPES)))

    async def call(self, query: str, variables: dict[str, Any], *, token: str | None = None) -> dict[str, Any]:
        return (await gql(self.client, query, variables, token=token or self.key))["data"]

    async def purchase(self, member: Joined | None = None, **fields: Any) -> dict:
        """recordPurchase's payload, for the member by id (or give memberNumber); amount and
        currencyCode default to "100.00" and "EUR"."""
        data: dict[str, Any] = {"amount": "100.00", "currencyCode": "EUR"}
        if member is not None:
            data["memberId"] = member.id
        data.update(fields)
        return (await self.call(RECORD_PURCHASE, {"input": data}))["recordPurchase"]

    async def refund(self, order_id: str, refund_id: str, amount: str, **fields: Any) -> dict:
        data = {"orderId": order_id, "refundId": refund_id, "amount": amount, **fields}
        return (await self.call(REFUND_PURCHASE, {"input": data}))["refundPurchase"]

    async def action(self, member: Joined | None, action: str, reference: str, **fields: Any) -> dict:
        data: dict[str, Any] = {"action": action, "reference": reference}
        if member is not None:
            data["memberId"] = member.id
        data.update(fields)
        return (await self.call(RECORD_ACTION, {"input": data}))["recordAction"]

    async def member(self, member: Joined, first: int | None = None, after: str | None = None) -> dict:
        """The member as this key reads it (node, needs members:read): wallet and one activity page."""
        node = (await self.call(MEMBER_NODE, {"id": member.id, "first": first, "after": after}))["node"]
        assert node is not None, "the key cannot read the member"
        return node

    async def wallet(self, member: Joined) -> dict:
        return (await self.member(member, first=1))["wallet"]

    async def history(self, member: Joined) -> list[dict]:
        """The whole activity, newest first (up to 100 entries)."""
        return [e["node"] for e in (await self.member(member, first=100))["activity"]["edges"]]

    async def state(self, member: Joined) -> tuple[dict, list[dict]]:
        """What a refused call must leave unchanged: the wallet and the whole history."""
        node = await self.member(member, first=100)
        return node["wallet"], [e["node"] for e in node["activity"]["edges"]]

    async def purchase_node(self, purchase_id: str) -> dict | None:
        return (await self.call(PURCHASE_NODE, {"id": purchase_id}))["node"]


async def me(client: httpx.AsyncClient, token: str, first: int | None = None, after: str | None = None) -> dict:
    return (await gql(client, ME, {"first": first, "after": after}, token=token))["data"]["me"]


def summary(entries: list[dict]) -> list[tuple]:
    """(kind, status, points, reference) per entry, for exact history comparisons."""
    return [(e["kind"], e["status"], e["points"], e["reference"]) for e in entries]


def error(code: str, *field: str) -> list[dict]:
    """The expected `errors` of a payload with one UserError (messages are not compared)."""
    return [{"code": code, "field": ["input", *field] if field else None}]


def errors_of(payload: dict) -> list[dict]:
    return [{"code": e["code"], "field": e["field"]} for e in payload["errors"]]
