"""The export of every datum held about a member, as one JSON document (docs/gdpr.md).

Each section is the member's rows of one table, every column but the internal digests
(password, token and request hashes) and the ids of other members. Values are JSON: times
in ISO 8601 (UTC), dates as YYYY-MM-DD, money in minor units next to its currency."""
from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tortoise.models import Model

from loyalty import clock
from loyalty.actions.models import ActionRecord
from loyalty.audit.models import AuditEntry
from loyalty.auth.models import AccountToken, SessionFamily
from loyalty.bonuses.models import BonusDay, RewardGrant
from loyalty.charity.models import CharityChoice, Donation
from loyalty.gdpr.models import Erasure
from loyalty.ledger.models import Account, Lot, Transfer
from loyalty.members.models import Device, Member
from loyalty.memberships.models import Membership, MembershipTransition, PlanDividend, PlanPayment
from loyalty.notifications.models import Notification
from loyalty.passes.models import Pass, PassCreditSpend, PassHistory, PassPayment
from loyalty.purchases.models import Purchase, Refund
from loyalty.referrals.models import Referral, ReferralCode
from loyalty.rewards.models import IssuedReward
from loyalty.staff.models import Adjustment, MemberBlock
from loyalty.tiers.models import TierState
from loyalty.visits.models import Visit
from loyalty.wallet import get_wallet

FORMAT = "loyalty.member-export"
VERSION = 1
# Never exported: digests of secrets, and the ids of other members.
HIDDEN = frozenset({"password_hash", "token_hash", "request_hash", "device_hash", "referrer_id", "friend_id",
                    "live_member_id"})

Rows = Callable[[int], Awaitable[list[dict[str, Any]]]]


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


def _rows(model: type[Model], column: str = "member_id", order: str = "id") -> Rows:
    async def rows(member_id: int) -> list[dict[str, Any]]:
        found = await model.filter(**{column: member_id}).order_by(order).values()
        return [{key: _json(value) for key, value in row.items() if key not in HIDDEN} for row in found]
    return rows


def _related(model: type[Model], column: str, parents: Rows, parent_key: str = "id") -> Rows:
    """Rows of `model` whose `column` names one of the member's `parents` rows."""
    async def rows(member_id: int) -> list[dict[str, Any]]:
        ids = [row[parent_key] for row in await parents(member_id)]
        found = await model.filter(**{f"{column}__in": ids}).order_by("id").values() if ids else []
        return [{key: _json(value) for key, value in row.items() if key not in HIDDEN} for row in found]
    return rows


_accounts = _rows(Account)
_transfers = _rows(Transfer)
_purchases = _rows(Purchase)
_memberships = _rows(Membership)
_passes = _rows(Pass)

# Section name -> the member's rows. A table that holds data about members gets a line here.
SECTIONS: dict[str, Rows] = {
    "ledger_accounts": _accounts,
    "transfers": _transfers,
    # Found by the transfer that formed each (lots are indexed by account only while open).
    "lots": _related(Lot, "transfer_id", _transfers),
    "purchases": _purchases,
    "refunds": _related(Refund, "purchase_id", _purchases),
    "actions": _rows(ActionRecord),
    "issued_rewards": _rows(IssuedReward),
    "donations": _rows(Donation),
    "charity_choice": _rows(CharityChoice),
    "referral_code": _rows(ReferralCode),
    "referrals_made": _rows(Referral, "referrer_id"),
    "referred_by": _rows(Referral, "friend_id"),
    "tier": _rows(TierState),
    "bonus_days": _rows(BonusDay),
    "reward_grants": _rows(RewardGrant),
    "memberships": _memberships,
    "membership_transitions": _related(MembershipTransition, "membership_id", _memberships),
    "plan_payments": _related(PlanPayment, "membership_id", _memberships),
    "plan_dividends": _rows(PlanDividend),
    "passes": _passes,
    "pass_payments": _related(PassPayment, "pass_id", _passes),
    "pass_credit_spends": _related(PassCreditSpend, "pass_id", _passes),
    "pass_history": _rows(PassHistory),
    "visits": _rows(Visit),
    "devices": _rows(Device),
    "sessions": _rows(SessionFamily, order="created_at"),
    "emailed_links": _rows(AccountToken),
    "notifications": _rows(Notification, order="created_at"),
    "erasure": _rows(Erasure),
    "adjustments": _rows(Adjustment),
    "blocks": _rows(MemberBlock),
    "audit_log": _rows(AuditEntry, order="occurred_at"),
}


async def export_member_data(member: Member, currency: str) -> dict[str, Any]:
    """Everything held about `member`, as JSON data."""
    profile = await _rows(Member, "id")(member.id)
    wallet = asdict(await get_wallet(member.id, clock.now()))
    document: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "exported_at": clock.now().isoformat(),
        "member": profile[0] if profile else None,
        "wallet": {**_json(wallet), "currency": currency},
    }
    for name, rows in SECTIONS.items():
        document[name] = await rows(member.id)
    return document
