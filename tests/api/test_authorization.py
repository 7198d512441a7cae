"""Who may call what: rows of (operation, caller kind, expected outcome), run by one test.

A member token never calls a server operation, an API key never acts as a member, and a
member never reads another member, by me, node(id:) or an id in an input. A refused call
leaves the database as it was. A new operation is added to MATRIX as one more line;
test_every_operation_has_a_row_for_every_caller_kind fails until it is.

The rows share one app and database (emptying the tables for each of them would take most of
the time): each row makes its own members, key and names, and compares the whole database
before and after.
"""
from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from graphql import GraphQLNonNull

from api.app import create_app
from loyalty.auth import email_tokens
from loyalty import clock
from loyalty.memberships import payments, subscriptions
from loyalty.passes import buying
from loyalty.passes import payments as pass_payments
from loyalty.charity.donations import donate_points
from loyalty.members.models import Member
from loyalty.members import service as members
from loyalty.rewards.redeem import redeem_reward
from loyalty.runtime import Runtime, build_runtime
from loyalty.settings import Settings
from loyalty.tiers import current
from loyalty.webhooks import endpoints
from loyalty.webhooks.models import WebhookDelivery
from schema.relay import from_global_id, to_global_id
from schema.schema import build_schema
from tests.members import member_pk, member_state, row_counts
from tests.rewards import grant
from tests.support.gql import PASSWORD, gql, sign_up
from tests.support.shop import Joined, Shop, api_key

# Caller kinds: the columns of the matrix.
ANONYMOUS, BAD_TOKEN, MEMBER, OTHER_MEMBER = "anonymous", "bad token", "member", "other member"
KEY_NO_SCOPE, KEY_MEMBERS_READ, KEY_PURCHASES_WRITE, KEY_ADMIN = (
    "key visits:write", "key members:read", "key purchases:write", "key admin",
)
CALLERS = (ANONYMOUS, BAD_TOKEN, MEMBER, OTHER_MEMBER, KEY_NO_SCOPE, KEY_MEMBERS_READ, KEY_PURCHASES_WRITE, KEY_ADMIN)
KEY_SCOPES = {KEY_NO_SCOPE: "visits:write", KEY_MEMBERS_READ: "members:read",
              KEY_PURCHASES_WRITE: "purchases:write", KEY_ADMIN: "admin"}

# Outcomes.
OK = "ok"            # a mutation's payload with no errors
OWN = "own"          # the caller's own member (me)
FOUND = "found"      # the object asked for
NULL = "null"        # null and no error: the caller may not see it
UNAUTH = "unauthenticated"  # a top-level error with extensions.code UNAUTHENTICATED
FORBID = "forbidden"  # UserError FORBIDDEN in a mutation's payload; top-level FORBIDDEN on a query


def table(*lines: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(operation, caller kind, expected outcome) for each cell of the lines."""
    assert all(len(line) == 1 + len(CALLERS) for line in lines)
    return [(line[0], caller, outcome) for line in lines for caller, outcome in zip(CALLERS, line[1:])]


MATRIX = table(
    # operation                   anonym  bad tok member  other   k:none  k:read  k:write k:admin
    ("me",                        NULL,   UNAUTH, OWN,    OWN,    NULL,   NULL,   NULL,   NULL),
    ("node(Member)",              NULL,   UNAUTH, FOUND,  NULL,   NULL,   FOUND,  NULL,   FOUND),
    ("node(Purchase)",            NULL,   UNAUTH, FOUND,  NULL,   NULL,   FOUND,  NULL,   FOUND),
    ("node(ActivityEntry)",       NULL,   UNAUTH, FOUND,  NULL,   NULL,   FOUND,  NULL,   FOUND),
    ("memberByNumber",            UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FOUND,  FORBID, FOUND),
    ("program",                   FOUND,  FOUND,  FOUND,  FOUND,  FOUND,  FOUND,  FOUND,  FOUND),
    ("signUp",                    OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK),
    ("logIn",                     OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK),
    ("refreshSession",            OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK),
    ("logOut",                    OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK),
    ("updateProfile",             UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("updateNotificationSettings", UNAUTH, UNAUTH, OK,    OK,     FORBID, FORBID, FORBID, FORBID),
    ("registerDevice",            UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("recordPurchase",            UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, OK,     OK),
    ("refundPurchase",            UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, OK,     OK),
    ("recordAction",              UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, OK,     OK),
    ("rewards",                   FOUND,  FOUND,  FOUND,  FOUND,  FOUND,  FOUND,  FOUND,  FOUND),
    ("charities",                 FOUND,  FOUND,  FOUND,  FOUND,  FOUND,  FOUND,  FOUND,  FOUND),
    ("node(IssuedReward)",        NULL,   UNAUTH, FOUND,  NULL,   NULL,   FOUND,  NULL,   FOUND),
    ("node(Donation)",            NULL,   UNAUTH, FOUND,  NULL,   NULL,   FOUND,  NULL,   FOUND),
    ("redeemReward",              UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("chooseCharity",             UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("donatePoints",              UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("useIssuedReward",           UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, OK,     OK),
    ("chooseBonusDay",            UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("verifyEmail",               OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK),
    ("resendVerificationEmail",   UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("requestPasswordReset",      OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK),
    ("resetPassword",             OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK),
    ("changePassword",            UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("changeEmail",               UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("unregisterDevice",          UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("node(PaidMembership)",      NULL,   UNAUTH, FOUND,  NULL,   NULL,   FOUND,  NULL,   FOUND),
    ("subscribeToPlan",           UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("cancelMembership",          UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("recordPlanPayment",         UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("refundPlanPayment",         UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("exportMemberData",          UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FOUND,  FORBID, FOUND),
    ("eraseMember",               UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("deleteAccount",             UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("webhooks",                  UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, FOUND),
    ("webhookDeliveries",         UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, FOUND),
    ("createWebhook",             UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("deleteWebhook",             UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("retryWebhookDelivery",      UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("node(Webhook)",             NULL,   UNAUTH, NULL,   NULL,   NULL,   NULL,   NULL,   FOUND),
    ("node(WebhookDelivery)",     NULL,   UNAUTH, NULL,   NULL,   NULL,   NULL,   NULL,   FOUND),
    ("members",                   UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FOUND,  FORBID, FOUND),
    ("auditLog",                  UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FOUND,  FORBID, FOUND),
    ("adjustPoints",              UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("adjustCredit",              UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("setTier",                   UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("cancelIssuedReward",        UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("blockMember",               UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("unblockMember",             UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("node(Pass)",                NULL,   UNAUTH, FOUND,  NULL,   NULL,   FOUND,  NULL,   FOUND),
    ("buyPass",                   UNAUTH, UNAUTH, OK,     OK,     FORBID, FORBID, FORBID, FORBID),
    ("recordPassPayment",         UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("refundPassPayment",         UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, OK),
    ("recordVisit",               UNAUTH, UNAUTH, FORBID, FORBID, OK,     FORBID, FORBID, OK),
    ("report",                    UNAUTH, UNAUTH, FORBID, FORBID, FORBID, FORBID, FORBID, FOUND),
)

# The staff operations with a key that holds staff:write alone: it changes, but does not read
# members (members:read).
KEY_STAFF_WRITE = "key staff:write"
KEY_SCOPES[KEY_STAFF_WRITE] = "staff:write"
STAFF_OPERATIONS = ("members", "auditLog", "adjustPoints", "adjustCredit", "setTier", "cancelIssuedReward",
                    "blockMember", "unblockMember")
STAFF_KEY_MATRIX = [(op, KEY_STAFF_WRITE, FORBID if op in ("members", "auditLog") else OK) for op in STAFF_OPERATIONS]


@dataclass
class World:
    """Ann, whom every row is about, Bob, the other member, and what the rows refer to."""

    tag: int  # makes this row's emails, order ids and tokens unique in the shared database
    ann: Joined
    bob: Joined
    refresh_token: str
    verify_token: str = ""
    reset_token: str = ""
    purchase_id: str = ""
    entry_id: str = ""
    coupon_code: str = ""
    issued_id: str = ""
    donation_id: str = ""
    membership_id: str = ""
    webhook_id: str = ""
    delivery_id: str = ""  # a dead delivery to the webhook
    pass_id: str = ""  # Ann's visit pack waiting for its payment
    paid_pass_id: str = ""  # Ann's visit pack paid with PP-<tag>
    keys: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    query: str
    variables: Callable[[World], dict[str, Any]] = lambda w: {}
    found: Callable[[World], dict[str, Any]] | None = None  # what FOUND reads back
    needs_purchase: bool = False
    needs_points: bool = False  # Ann and Bob hold points
    needs_coupon: bool = False  # Ann redeemed a reward and donated points
    by_ann_s_link: bool = False  # acts with a token emailed to Ann: whoever holds it acts for her
    needs_membership: bool = False  # Ann and Bob subscribed to plus-monthly, Ann paid (P-<tag>)
    needs_webhook: bool = False  # a webhook, and a dead delivery to it (the newest)
    needs_passes: bool = False  # Ann bought two climbing packs and paid one (PP-<tag>)

    @property
    def field(self) -> str:
        return self.query.split("{", 1)[1].split("(")[0].split("{")[0].strip()

    @property
    def is_mutation(self) -> bool:
        return self.query.startswith("mutation")


def _mutation(name: str, input_type: str, payload: str = "errors { code field }", **extra: Any) -> Operation:
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {payload} }} }}"
    return Operation(query, **extra)


NODE = "query($id: ID!) { node(id: $id) { id } }"
OPERATIONS: dict[str, Operation] = {
    "me": Operation("query { me { id } }"),
    "node(Member)": Operation(NODE, lambda w: {"id": w.ann.id}, lambda w: {"id": w.ann.id}),
    "node(Purchase)": Operation(NODE, lambda w: {"id": w.purchase_id}, lambda w: {"id": w.purchase_id},
                                needs_purchase=True),
    "node(ActivityEntry)": Operation(NODE, lambda w: {"id": w.entry_id}, lambda w: {"id": w.entry_id},
                                     needs_purchase=True),
    "memberByNumber": Operation("query($n: String!) { memberByNumber(memberNumber: $n) { id } }",
                                lambda w: {"n": w.ann.number}, lambda w: {"id": w.ann.id}),
    "program": Operation("query { program { name } }", found=lambda w: {"name": "Northwind Rewards"}),
    "signUp": _mutation("signUp", "SignUpInput", variables=lambda w: {"input": {
        "email": f"cat-{w.tag}@example.com", "password": PASSWORD, "displayName": "Cat"}}),
    "logIn": _mutation("logIn", "LogInInput", variables=lambda w: {"input": {
        "email": w.ann.email, "password": PASSWORD}}),
    "refreshSession": _mutation("refreshSession", "RefreshSessionInput",
                                variables=lambda w: {"input": {"refreshToken": w.refresh_token}}),
    "logOut": _mutation("logOut", "LogOutInput", "ok errors { code field }",
                        variables=lambda w: {"input": {"refreshToken": w.refresh_token}}),
    "updateProfile": _mutation("updateProfile", "UpdateProfileInput", variables=lambda w: {"input": {
        "displayName": "Changed", "locale": "de", "marketingConsent": True}}),
    "updateNotificationSettings": _mutation("updateNotificationSettings", "UpdateNotificationSettingsInput",
                                            variables=lambda w: {"input": {"email": False, "push": False}}),
    "registerDevice": _mutation("registerDevice", "RegisterDeviceInput", "ok errors { code field }",
                                variables=lambda w: {"input": {"platform": "IOS", "token": f"new-device-{w.tag}"}}),
    "recordPurchase": _mutation("recordPurchase", "RecordPurchaseInput", variables=lambda w: {"input": {
        "memberId": w.ann.id, "orderId": f"O-{w.tag}-2", "amount": "10.00", "currencyCode": "EUR"}}),
    "refundPurchase": _mutation("refundPurchase", "RefundPurchaseInput", needs_purchase=True,
                                variables=lambda w: {"input": {
                                    "orderId": f"O-{w.tag}", "refundId": f"R-{w.tag}", "amount": "5.00"}}),
    "recordAction": _mutation("recordAction", "RecordActionInput", variables=lambda w: {"input": {
        "memberId": w.ann.id, "action": "PRODUCT_REVIEW", "reference": f"review-{w.tag}"}}),
    "rewards": Operation("query { rewards(first: 1) { edges { node { name } } } }",
                         found=lambda w: {"edges": [{"node": {"name": "Free shipping"}}]}),
    "charities": Operation("query { charities { name } }", found=lambda w: [
        {"name": "Wildlife Trust"}, {"name": "Civil Rights Defense Fund"}, {"name": "Safe Home Alliance"}]),
    "node(IssuedReward)": Operation(NODE, lambda w: {"id": w.issued_id}, lambda w: {"id": w.issued_id},
                                    needs_coupon=True),
    "node(Donation)": Operation(NODE, lambda w: {"id": w.donation_id}, lambda w: {"id": w.donation_id},
                                needs_coupon=True),
    "redeemReward": _mutation("redeemReward", "RedeemRewardInput", needs_points=True, variables=lambda w: {"input": {
        "rewardId": to_global_id("Reward", "free-shipping"), "idempotencyKey": f"redeem-{w.tag}"}}),
    "chooseCharity": _mutation("chooseCharity", "ChooseCharityInput", variables=lambda w: {"input": {
        "charityId": to_global_id("Charity", "wildlife"), "autoDonatePercent": 10}}),
    "donatePoints": _mutation("donatePoints", "DonatePointsInput", needs_points=True, variables=lambda w: {"input": {
        "charityId": to_global_id("Charity", "wildlife"), "points": 10, "idempotencyKey": f"give-{w.tag}"}}),
    "useIssuedReward": _mutation("useIssuedReward", "UseIssuedRewardInput", needs_coupon=True,
                                 variables=lambda w: {"input": {"code": w.coupon_code, "orderId": f"O-{w.tag}"}}),
    "node(PaidMembership)": Operation(NODE, lambda w: {"id": w.membership_id}, lambda w: {"id": w.membership_id},
                                      needs_membership=True),
    "subscribeToPlan": _mutation("subscribeToPlan", "SubscribeToPlanInput", variables=lambda w: {"input": {
        "planId": to_global_id("Plan", "plus-monthly"), "idempotencyKey": f"sub-{w.tag}"}}),
    "cancelMembership": _mutation("cancelMembership", "CancelMembershipInput", needs_membership=True,
                                  variables=lambda w: {"input": {"atPeriodEnd": False}}),
    "recordPlanPayment": _mutation("recordPlanPayment", "RecordPlanPaymentInput", needs_membership=True,
                                   variables=lambda w: {"input": {"membershipId": w.membership_id,
                                                                  "paymentId": f"P-{w.tag}-2", "amount": "5.00",
                                                                  "currencyCode": "EUR"}}),
    "refundPlanPayment": _mutation("refundPlanPayment", "RefundPlanPaymentInput", needs_membership=True,
                                   variables=lambda w: {"input": {"paymentId": f"P-{w.tag}", "refundId": f"PR-{w.tag}"}}),
    "node(Pass)": Operation(NODE, lambda w: {"id": w.pass_id}, lambda w: {"id": w.pass_id}, needs_passes=True),
    "buyPass": _mutation("buyPass", "BuyPassInput", variables=lambda w: {"input": {
        "passProductId": to_global_id("PassProduct", "climbing-5"), "idempotencyKey": f"buy-{w.tag}"}}),
    "recordPassPayment": _mutation("recordPassPayment", "RecordPassPaymentInput", needs_passes=True,
                                   variables=lambda w: {"input": {"passId": w.pass_id, "paymentId": f"PP-{w.tag}-2",
                                                                  "amount": "60.00", "currencyCode": "EUR"}}),
    "refundPassPayment": _mutation("refundPassPayment", "RefundPassPaymentInput", needs_passes=True,
                                   variables=lambda w: {"input": {"paymentId": f"PP-{w.tag}", "refundId": f"PPR-{w.tag}"}}),
    "recordVisit": _mutation("recordVisit", "RecordVisitInput", needs_passes=True, variables=lambda w: {"input": {
        "memberNumber": w.ann.number, "reference": f"visit-{w.tag}", "location": "climbing-hall",
        "passId": w.paid_pass_id}}),
    "report": Operation('query { report(from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") '
                        "{ pointsLiabilityValue { currencyCode } } }",
                        found=lambda w: {"pointsLiabilityValue": {"currencyCode": "EUR"}}),
    "chooseBonusDay": _mutation("chooseBonusDay", "ChooseBonusDayInput", variables=lambda w: {"input": {
        "day": (date.today() + timedelta(days=30)).isoformat()}}),
    "verifyEmail": _mutation("verifyEmail", "VerifyEmailInput", "ok errors { code field }", by_ann_s_link=True,
                             variables=lambda w: {"input": {"token": w.verify_token}}),
    "resendVerificationEmail": Operation("mutation { resendVerificationEmail { ok errors { code field } } }"),
    "requestPasswordReset": _mutation("requestPasswordReset", "RequestPasswordResetInput", "ok errors { code field }",
                                      variables=lambda w: {"input": {"email": w.ann.email}}),
    "resetPassword": _mutation("resetPassword", "ResetPasswordInput", "ok errors { code field }", by_ann_s_link=True,
                               variables=lambda w: {"input": {"token": w.reset_token, "newPassword": "a new password 2"}}),
    "changePassword": _mutation("changePassword", "ChangePasswordInput", "ok errors { code field }",
                                variables=lambda w: {"input": {"oldPassword": PASSWORD, "newPassword": "a new password 2"}}),
    "changeEmail": _mutation("changeEmail", "ChangeEmailInput", "ok errors { code field }", variables=lambda w: {
        "input": {"newEmail": f"new-{w.tag}@example.com", "password": PASSWORD}}),
    "members": Operation("query($s: String) { members(search: $s) { edges { node { id } } } }",
                         lambda w: {"s": w.ann.email}, lambda w: {"edges": [{"node": {"id": w.ann.id}}]}),
    "auditLog": Operation("query($n: String) { auditLog(memberNumber: $n) { edges { node { action } } } }",
                          lambda w: {"n": w.ann.number}, lambda w: {"edges": []}),
    "adjustPoints": _mutation("adjustPoints", "AdjustPointsInput", variables=lambda w: {"input": {
        "memberNumber": w.ann.number, "points": 10, "reason": "Goodwill", "idempotencyKey": f"adj-{w.tag}"}}),
    "adjustCredit": _mutation("adjustCredit", "AdjustCreditInput", variables=lambda w: {"input": {
        "memberNumber": w.ann.number, "amount": "1.00", "currencyCode": "EUR", "reason": "Goodwill",
        "idempotencyKey": f"adj-{w.tag}"}}),
    "setTier": _mutation("setTier", "SetTierInput", variables=lambda w: {"input": {
        "memberNumber": w.ann.number, "tier": "gold", "until": (date.today() + timedelta(days=30)).isoformat(),
        "reason": "Goodwill"}}),
    "cancelIssuedReward": _mutation("cancelIssuedReward", "CancelIssuedRewardInput", needs_coupon=True,
                                    variables=lambda w: {"input": {"code": w.coupon_code, "reason": "Mistake"}}),
    "blockMember": _mutation("blockMember", "BlockMemberInput", variables=lambda w: {"input": {
        "memberNumber": w.ann.number, "reason": "Review"}}),
    "unblockMember": _mutation("unblockMember", "UnblockMemberInput", variables=lambda w: {"input": {
        "memberNumber": w.ann.number, "reason": "Cleared"}}),
    "unregisterDevice": _mutation("unregisterDevice", "UnregisterDeviceInput", "ok errors { code field }",
                                  variables=lambda w: {"input": {"token": f"device-{w.tag}"}}),
    "exportMemberData": Operation("query($n: String!) { exportMemberData(memberNumber: $n) }",
                                  lambda w: {"n": w.ann.number}, lambda w: ExportOf(w.ann.number)),
    "eraseMember": _mutation("eraseMember", "EraseMemberInput", "erasedAt errors { code field }",
                             variables=lambda w: {"input": {"memberNumber": w.ann.number,
                                                            "idempotencyKey": f"erase-{w.tag}"}}),
    "deleteAccount": _mutation("deleteAccount", "DeleteAccountInput", "erasedAt errors { code field }",
                               variables=lambda w: {"input": {"password": PASSWORD}}),
    "webhooks": Operation("query { webhooks { id } }", needs_webhook=True,
                          found=lambda w: Containing({"id": w.webhook_id})),
    "webhookDeliveries": Operation("query { webhookDeliveries(first: 1) { edges { node { id } } } }",
                                   needs_webhook=True,
                                   found=lambda w: {"edges": [{"node": {"id": w.delivery_id}}]}),
    "createWebhook": _mutation("createWebhook", "CreateWebhookInput", variables=lambda w: {"input": {
        "url": "https://93.184.215.14/hook", "events": ["points.earned"]}}),
    "deleteWebhook": _mutation("deleteWebhook", "DeleteWebhookInput", "ok errors { code field }", needs_webhook=True,
                               variables=lambda w: {"input": {"webhookId": w.webhook_id}}),
    "retryWebhookDelivery": _mutation("retryWebhookDelivery", "RetryWebhookDeliveryInput", needs_webhook=True,
                                      variables=lambda w: {"input": {"deliveryId": w.delivery_id}}),
    "node(Webhook)": Operation(NODE, lambda w: {"id": w.webhook_id}, lambda w: {"id": w.webhook_id},
                               needs_webhook=True),
    "node(WebhookDelivery)": Operation(NODE, lambda w: {"id": w.delivery_id}, lambda w: {"id": w.delivery_id},
                                       needs_webhook=True),
}


class ExportOf:
    """Equal to the export document of the member with this number."""

    def __init__(self, number: str):
        self.number = number

    def __eq__(self, other: object) -> bool:
        return isinstance(other, dict) and other["format"] == "loyalty.member-export" and \
            other["member"]["member_number"] == self.number


class Containing:
    """Equal to a list that holds this item (the rows share one database)."""

    def __init__(self, item: object):
        self.item = item

    def __eq__(self, other: object) -> bool:
        return isinstance(other, list) and self.item in other


# Made once: the world is built through the domain, so that each row costs milliseconds.
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


async def _member(runtime: Runtime, email: str, name: str) -> tuple[Joined, str]:
    data = members.validate_new_member(members.NewMember(email, PASSWORD, name), "en")
    row = await members.create_member(data, PASSWORD_HASH)
    session = await runtime.auth.sessions.start(row.id)
    return Joined(to_global_id("Member", row.id), row.member_number, email, session.access.token), session.refresh_token


_tags = itertools.count(1)


async def make_world(runtime: Runtime, client: httpx.AsyncClient, operation: Operation, caller: str) -> World:
    tag = next(_tags)
    ann, refresh_token = await _member(runtime, f"ann-{tag}@example.com", "Ann")
    bob, _ = await _member(runtime, f"bob-{tag}@example.com", "Bob")
    world = World(tag, ann, bob, refresh_token)
    world.verify_token = await email_tokens.issue(member_pk(ann.id), email_tokens.VERIFY_EMAIL, ann.email, 3600)
    world.reset_token = await email_tokens.issue(member_pk(ann.id), email_tokens.RESET_PASSWORD, ann.email, 1800)
    for joined, platform in ((ann, "IOS"), (bob, "ANDROID")):  # one push token, a device of each
        await members.register_device(await Member.get(id=member_pk(joined.id)), platform, f"device-{tag}")
    if operation.needs_purchase:
        shop = await Shop.open(client, "admin")
        purchase = (await shop.purchase(ann, orderId=f"O-{tag}"))["purchase"]
        world.purchase_id = purchase["id"]
        world.entry_id = (await shop.history(ann))[0]["id"]
    if operation.needs_points or operation.needs_coupon:
        await grant(member_pk(ann.id), 1000)
        await grant(member_pk(bob.id), 1000)
    if operation.needs_coupon:
        issued = await redeem_reward(runtime.program.program, member_pk(ann.id), "free-shipping", f"k-{tag}")
        donation = await donate_points(runtime.program.program, member_pk(ann.id), "wildlife", 10, f"k-{tag}")
        world.coupon_code, world.issued_id = issued.code, to_global_id("IssuedReward", issued.id)
        world.donation_id = to_global_id("Donation", donation.id)
    if operation.needs_membership:
        program, now = runtime.program.program, clock.now()
        mine = await subscriptions.subscribe(program, member_pk(ann.id), "plus-monthly", f"s-{tag}", now)
        await subscriptions.subscribe(program, member_pk(bob.id), "plus-monthly", f"s-{tag}", now)
        await payments.record_payment(program, payments.Payment(mine.id, f"P-{tag}", Decimal("5.00"), "EUR"), now)
        world.membership_id = to_global_id("PaidMembership", mine.id)
    if operation.needs_webhook:
        hook = await endpoints.create_webhook("https://93.184.215.14/hook", ["*"], "staff", clock.now(),
                                              allow_private=False)
        dead = await WebhookDelivery.create(
            key=f"dead-{tag}", webhook_id=hook.id, event_id=uuid.uuid4(), topic="points.earned", member_id=None,
            body="{}", status="dead", attempts=8, next_attempt_at=clock.now(), created_at=clock.now())
        world.webhook_id = to_global_id("Webhook", hook.id)
        world.delivery_id = to_global_id("WebhookDelivery", dead.id)
    if operation.needs_passes:
        program, now = runtime.program.program, clock.now()
        pending = await buying.buy_pass(program, member_pk(ann.id), "climbing-5", f"b-{tag}", now)
        paid = await buying.buy_pass(program, member_pk(ann.id), "climbing-5", f"b2-{tag}", now)
        await pass_payments.record_payment(program, pass_payments.Payment(paid.id, f"PP-{tag}", Decimal("60.00"), "EUR"),
                                           now)
        world.pass_id, world.paid_pass_id = to_global_id("Pass", pending.id), to_global_id("Pass", paid.id)
    if caller in KEY_SCOPES:
        world.keys[caller] = await api_key(KEY_SCOPES[caller], name=caller)
    return world


def credential(world: World, caller: str) -> str | None:
    if caller in KEY_SCOPES:
        return world.keys[caller]
    return {ANONYMOUS: None, BAD_TOKEN: "not-a-token", MEMBER: world.ann.token, OTHER_MEMBER: world.bob.token}[caller]


async def snapshot(world: World) -> tuple:
    return await row_counts(), await member_state(world.ann.id), await member_state(world.bob.id)


def _non_null_query(name: str) -> bool:
    return isinstance(build_schema()._schema.query_type.fields[name].type, GraphQLNonNull)


def check(outcome: str, operation: Operation, world: World, caller: str, body: dict) -> None:
    name = operation.field
    if outcome == UNAUTH or (outcome == FORBID and not operation.is_mutation):
        # A payload is non-null, so an error in a mutation nulls the whole data; so does an
        # error in a query field that is non-null.
        nulls_data = operation.is_mutation or _non_null_query(name)
        assert body["data"] == (None if nulls_data else {name: None})
        code = "UNAUTHENTICATED" if outcome == UNAUTH else "FORBIDDEN"
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [([name], code)]
        return
    assert "errors" not in body, body["errors"]
    value = body["data"][name]
    if outcome == NULL:
        assert value is None
    elif outcome == OWN:
        assert value == {"id": (world.ann if caller == MEMBER else world.bob).id}
    elif outcome == FOUND:
        assert value == operation.found(world)
    elif outcome == FORBID:
        assert value["errors"] == [{"code": "FORBIDDEN", "field": None}]
        assert value.get("ok", False) is False
    else:
        assert value["errors"] == []


@pytest.fixture(scope="module")
async def shared(database: None, settings: Settings) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    runtime = await build_runtime(settings)
    transport = httpx.ASGITransport(app=create_app(runtime=runtime), client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield runtime, client
    await runtime.close()


@pytest.mark.parametrize(("operation", "caller", "outcome"), MATRIX + STAFF_KEY_MATRIX)
async def test_authorization(shared, operation, caller, outcome, monkeypatch):
    runtime, client = shared
    if operation == "chooseBonusDay":  # a perk of the top tier: every member holds it here
        async def gold(program, member_id, at):
            return program.tier_levels[-1]

        monkeypatch.setattr(current, "level_for", gold)
    spec = OPERATIONS[operation]
    world = await make_world(runtime, client, spec, caller)
    before = await snapshot(world)
    body = await gql(client, spec.query, spec.variables(world), token=credential(world, caller), expect_errors=True)
    check(outcome, spec, world, caller, body)
    counts, ann, bob = await snapshot(world)
    if outcome in (NULL, UNAUTH, FORBID):
        assert (counts, ann, bob) == before
    if caller == OTHER_MEMBER and not spec.by_ann_s_link:
        assert ann == before[1]  # nothing Bob can call touches Ann


def test_every_operation_has_a_row_for_every_caller_kind():
    schema = build_schema()._schema
    served = set(schema.query_type.fields) | set(schema.mutation_type.fields)
    covered = {OPERATIONS[operation].field for operation, _, _ in MATRIX}
    assert sorted(served - covered) == []
    assert sorted(covered - served) == []
    assert {(op, caller) for op, caller, _ in MATRIX} == {(op, c) for op in OPERATIONS for c in CALLERS}


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
ODD_KEYS = ["{pk}²", "{arabic}", "0{pk}", "-{pk}", " {pk}", "{pk}.0", "9223372036854775808", "9" * 30]


@pytest.mark.parametrize("written", ODD_KEYS)
async def test_a_malformed_member_id_finds_nobody_and_records_nothing(client, written):
    ann = (await sign_up(client, "ann@example.com"))["member"]
    pk = from_global_id(ann["id"])[1]
    odd_id = to_global_id("Member", written.format(pk=pk, arabic=pk.translate(ARABIC_INDIC)))
    key = await api_key("admin")
    before = await row_counts()
    assert await gql(client, NODE, {"id": odd_id}, token=key) == {"data": {"node": None}}
    purchase = await gql(client, OPERATIONS["recordPurchase"].query, {"input": {
        "memberId": odd_id, "orderId": "O-1", "amount": "10.00", "currencyCode": "EUR"}}, token=key)
    assert purchase["data"]["recordPurchase"]["errors"] == [{"code": "NOT_FOUND", "field": ["input", "memberId"]}]
    assert await row_counts() == before


@pytest.mark.parametrize("type_name", ["Purchase", "ActivityEntry"])
@pytest.mark.parametrize("key_text", ["²", "٣", "01", "9223372036854775808"])
async def test_a_malformed_purchase_or_entry_id_finds_nothing(client, type_name, key_text):
    key = await api_key("admin")
    assert await gql(client, NODE, {"id": to_global_id(type_name, key_text)}, token=key) == {"data": {"node": None}}
