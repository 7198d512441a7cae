"""The audit log: every staff action (over GraphQL and by the `loyalty` command) and every
program change, with who, what, why and the values before and after; `auditLog` pages it."""
from __future__ import annotations

from pathlib import Path

import pytest

from loyalty import clock
from loyalty.audit.models import AuditEntry
from loyalty.program.spec import DEMO_PATH
from loyalty.rewards.redeem import redeem_reward
from loyalty.tiers import current
from tests.rewards import T0, grant, points
from tests.staff import adjust_points, audit_rows, member, staff_key
from tests.support.cli import run_cli
from tests.support.gql import gql

SET_TIER = """
mutation($input: SetTierInput!) {
  setTier(input: $input) { member { tier { current { name } } } errors { code field message } }
}"""
CANCEL = """
mutation($input: CancelIssuedRewardInput!) {
  cancelIssuedReward(input: $input) { issuedReward { code status } errors { code field message } }
}"""
AUDIT_LOG = """
query($n: String, $first: Int, $after: String) {
  auditLog(memberNumber: $n, first: $first, after: $after) {
    edges { cursor node { occurredAt actor action memberNumber reason before after } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.fixture(autouse=True)
def at_t0():
    with clock.frozen_at(T0):
        yield


async def test_set_tier_holds_the_tier_and_records_the_tier_before_and_after(client, runtime):
    key, ann = await staff_key(), await member()

    body = await gql(client, SET_TIER, {"input": {"memberNumber": ann.member_number, "tier": "gold",
                                                  "until": "2026-12-31", "reason": "Influencer"}}, token=key)

    assert body["data"]["setTier"] == {"member": {"tier": {"current": {"name": "Gold"}}}, "errors": []}
    assert (await current.level_for(runtime.program.program, ann.id, clock.now())).code == "gold"
    assert await audit_rows(ann.id) == [("support desk", "member.set_tier", ann.id, "Influencer", {"tier": "bronze"},
                                         {"tier": "gold", "until": "2026-12-31"})]


async def test_a_tier_the_program_lacks_is_refused_and_audits_nothing(client):
    key, ann = await staff_key(), await member()

    body = await gql(client, SET_TIER, {"input": {"memberNumber": ann.member_number, "tier": "platinum",
                                                  "until": "2026-12-31", "reason": "x"}}, token=key)

    assert [(e["code"], e["field"]) for e in body["data"]["setTier"]["errors"]] == [("INVALID", ["input", "tier"])]
    assert await audit_rows(ann.id) == []


async def test_canceling_an_issued_reward_returns_its_points_and_records_it(client, runtime):
    key, ann = await staff_key(), await member()
    await grant(ann.id, 1000)
    issued = await redeem_reward(runtime.program.program, ann.id, "five-off", "r1")

    body = await gql(client, CANCEL, {"input": {"code": issued.code, "reason": "Wrong reward"}}, token=key)

    assert body["data"]["cancelIssuedReward"] == {"issuedReward": {"code": issued.code, "status": "CANCELED"},
                                                  "errors": []}
    assert await points(ann.id) == 1000
    assert await audit_rows(ann.id) == [("support desk", "reward.cancel", ann.id, "Wrong reward",
                                         {"code": issued.code, "status": "ACTIVE"},
                                         {"code": issued.code, "status": "CANCELED", "points_returned": 500})]


async def test_the_commands_record_their_staff_actions_as_the_cli(settings, runtime):
    ann = await member()
    await grant(ann.id, 1000)
    issued = await redeem_reward(runtime.program.program, ann.id, "five-off", "r1")

    tiered = await run_cli(settings, "set-tier", ann.member_number, "silver", "--until", "2026-06-01",
                           "--reason", "Make good")
    canceled = await run_cli(settings, "cancel-reward", issued.code)

    assert (tiered.returncode, canceled.returncode) == (0, 0), (tiered.stderr, canceled.stderr)
    assert await audit_rows(ann.id) == [
        ("cli", "member.set_tier", ann.id, "Make good", {"tier": "bronze"}, {"tier": "silver", "until": "2026-06-01"}),
        ("cli", "reward.cancel", ann.id, None, {"code": issued.code, "status": "ACTIVE"},
         {"code": issued.code, "status": "CANCELED", "points_returned": 500}),
    ]


async def test_applying_a_program_file_records_the_versions_and_the_sections_that_changed(settings, runtime, tmp_path):
    latest = await AuditEntry.filter(action="program.apply").order_by("-id").first()
    assert latest is not None and latest.actor == "startup"
    changed = tmp_path / "program.toml"
    changed.write_text(Path(DEMO_PATH).read_text(encoding="utf-8").replace("pending_days = 14", "pending_days = 30"),
                       encoding="utf-8")

    done = await run_cli(settings, "apply-program", str(changed))

    assert done.returncode == 0, done.stderr
    entry = await AuditEntry.filter(action="program.apply").order_by("-id").first()
    version = latest.after["version"]
    assert (entry.actor, entry.member_id, entry.reason) == ("cli", None, None)
    assert entry.before == {"version": version, "checksum": latest.after["checksum"], "name": "Northwind Rewards"}
    assert {k: v for k, v in entry.after.items() if k != "checksum"} == {
        "version": version + 1, "name": "Northwind Rewards", "source": str(changed), "changed": ["program"]}
    again = await run_cli(settings, "apply-program", str(changed))
    assert again.returncode == 0 and await AuditEntry.filter(action="program.apply").count() == 2


async def test_audit_log_pages_a_members_entries_newest_first(client):
    key, ann = await staff_key(), await member()
    bob = await member(email="bob@example.com", name="Bob")
    for i, points_ in enumerate((10, 20, 30)):
        await adjust_points(client, key, ann.member_number, points_, f"Reason {i}", idempotency_key=f"a{i}")
    await adjust_points(client, key, bob.member_number, 5, idempotency_key="b")

    first = (await gql(client, AUDIT_LOG, {"n": ann.member_number, "first": 2}, token=key))["data"]["auditLog"]
    rest = (await gql(client, AUDIT_LOG, {"n": ann.member_number, "after": first["pageInfo"]["endCursor"]},
                      token=key))["data"]["auditLog"]

    assert [e["node"] for e in first["edges"]] == [
        {"occurredAt": "2026-03-10T12:00:00+00:00", "actor": "support desk", "action": "member.adjust_points",
         "memberNumber": ann.member_number, "reason": "Reason 2", "before": {"points": 30},
         "after": {"points": 60, "adjustment": 30}},
        {"occurredAt": "2026-03-10T12:00:00+00:00", "actor": "support desk", "action": "member.adjust_points",
         "memberNumber": ann.member_number, "reason": "Reason 1", "before": {"points": 10},
         "after": {"points": 30, "adjustment": 20}},
    ]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["reason"] for e in rest["edges"]] == ["Reason 0"]
    assert rest["pageInfo"]["hasNextPage"] is False
    everything = (await gql(client, AUDIT_LOG, {}, token=key))["data"]["auditLog"]["edges"]
    assert [(e["node"]["action"], e["node"]["memberNumber"]) for e in everything] == [
        ("member.adjust_points", bob.member_number), *[("member.adjust_points", ann.member_number)] * 3,
        ("program.apply", None)]
