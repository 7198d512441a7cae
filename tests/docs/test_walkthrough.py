"""The walk-throughs (docs/walkthrough.md, then the walk-through sections of docs/memberships.md
and docs/passes.md) run as a reader runs them: every ```sh block in order in one bash session,
against a live `loyalty serve --demo-data` on a fresh database, with the clock moved to 1 March,
31 December and 29 February. The figures the prose promises are asserted after each step.

Run alone: `.venv/bin/python -m pytest -q tests/docs/test_walkthrough.py` (add
DATABASE_URL=postgres://… REDIS_URL=redis://… for PostgreSQL and Redis).
"""
from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests import conftest
from tests.support import isolation
from tests.support.walkthrough import ROOT, Bash, Demo, Output, commands, demo_folder, sh_blocks

# The pages, and the section of each that runs (None: all of it).
PAGES = [(ROOT / "docs" / "walkthrough.md", None), (ROOT / "docs" / "memberships.md", "## A walk-through"),
         (ROOT / "docs" / "passes.md", "## A walk-through")]
DOC_URL = "http://127.0.0.1:8000"

# The days the walk-through must hold on: 1 March of a common year, 31 December (an hour before
# midnight in Amsterdam: the year turns during the +15 days jobs), 29 February of a leap year.
MOMENTS = {
    "1-march": datetime(2027, 3, 1, 11, 0, tzinfo=timezone.utc),
    "31-december": datetime(2027, 12, 31, 22, 0, tzinfo=timezone.utc),
    "29-february": datetime(2028, 2, 29, 11, 0, tzinfo=timezone.utc),
}


def data(output: Output) -> Any:
    answer = output.json()
    assert isinstance(answer, dict) and "errors" not in answer, output
    return answer["data"]


def last_json(outputs: list[Output], needle: str) -> Any:
    for output in reversed(outputs):
        if needle in output.command:
            return data(output)
    raise AssertionError(f"no step with {needle!r} ran")


# What the text tells the reader to put in by hand, and what the test puts there instead.
# Each: (the text in the doc, what replaces it given the outputs so far and the demo).
SUBSTITUTIONS: list[tuple[str, Callable[[list[Output], Demo], str]]] = [
    # "If port 8000 is taken: ... and 8001 below": the test's server is on a free port.
    (DOC_URL, lambda outputs, demo: demo.url),
    # "put the demo member's number in place of 123456789012" (scripts/run printed it).
    ("123456789012", lambda outputs, demo: demo.member_number),
    # "With the code it returned in place of PUT-THE-CODE".
    ("PUT-THE-CODE", lambda outputs, demo:
        last_json(outputs, "redeemReward")["redeemReward"]["issuedReward"]["code"]),
    # "LEO=000000000000   # the memberNumber it printed".
    ("LEO=000000000000", lambda outputs, demo:
        "LEO=" + last_json(outputs, "leo@example.com")["signUp"]["member"]["memberNumber"]),
]

# What the text asks the reader to do without a command: the commands that do it, after the
# step that contains the key. "Set ACCESS and REFRESH to the accessToken and refreshToken it returned".
AFTER: dict[str, Callable[[Output], str]] = {
    "mutation ($input: LogInInput!)": lambda output: "ACCESS={} REFRESH={}".format(
        shlex.quote(data(output)["logIn"]["accessToken"]), shlex.quote(data(output)["logIn"]["refreshToken"])),
}


def skipped(command: str) -> bool:
    """`scripts/run` (the test's server stands in for it) and the reset step's `rm`
    (test_starting_over runs that)."""
    return bool(re.match(r"^(\S+=\S+ )*scripts/run\b", command)) or command.startswith("rm -f loyalty.sqlite3")


@pytest.fixture
def database_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The settings of a fresh database: on the embedded default none at all (the doc's own
    `loyalty.sqlite3` in the folder it runs from); on PostgreSQL a database made for the test
    and a Redis prefix of its own."""
    process = conftest.PROCESS
    if process is None or process.database_url is None:
        yield {}
        return
    name = f"{isolation.database_of_name(process.database_url)}_walk"
    url = isolation.create_database(process.database_url, name)
    prefix = f"{process.redis_prefix}-walk"
    env = {"DATABASE_URL": url, "DATA_DIR": "var"}
    if process.plan.redis_url:
        env |= {"REDIS_URL": process.plan.redis_url, "REDIS_PREFIX": prefix}
    try:
        yield env
    finally:
        isolation.drop_database(process.database_url, url)
        if process.plan.redis_url:
            isolation.delete_prefixed(process.plan.redis_url, prefix)


def run_pages(bash: Bash, demo: Demo, pages: list[tuple[Path, str | None]]) -> list[Output]:
    outputs: list[Output] = []
    for page, section in pages:
        for line, block in sh_blocks(page, section):
            for command in commands(block):
                if skipped(command):
                    continue
                for text, replacement in SUBSTITUTIONS:
                    if text in command:
                        command = command.replace(text, replacement(outputs, demo))
                output = bash.run(command)
                assert output.status == 0 and "Traceback" not in output.text, \
                    f"{page.name}:{line}: {command}\n{output.text}\n--- server log:\n{demo.log()}"
                outputs.append(output)
                for key, after in AFTER.items():
                    if key in command:
                        assert bash.run(after(output)).status == 0
    return outputs


def step(outputs: list[Output], needle: str, index: int = 0) -> Output:
    """The output of the `index`-th step whose command contains `needle`."""
    found = [output for output in outputs if needle in output.command]
    assert len(found) > index, f"no step {index} with {needle!r}"
    return found[index]


def amsterdam(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo("Europe/Amsterdam"))


def month_end(year: int, month: int) -> str:
    """The midnight that ends the month in Amsterdam, in UTC, as the API writes it."""
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(timezone.utc).isoformat()


def check_walkthrough(outputs: list[Output], moment: datetime) -> None:
    """docs/walkthrough.md's promises, step by step."""
    today = amsterdam(moment).date()
    # Try it: sign up, log in, me, refresh, the shop's look-up of the demo member.
    assert data(step(outputs, "ann@example.com"))["signUp"]["member"]["email"] == "ann@example.com"
    assert data(step(outputs, "LogInInput"))["logIn"]["errors"] == []
    assert data(step(outputs, "{ me { memberNumber email displayName } }"))["me"]["displayName"] == "Ann"
    assert data(step(outputs, "refreshSession"))["refreshSession"]["errors"] == []
    assert data(step(outputs, "memberByNumber"))["memberByNumber"] == {"email": "demo@example.com",
                                                                      "displayName": "Demo Member"}
    # The helpers: Mia's sign-up sets ACCESS and MIA and says nothing.
    assert step(outputs, "mia@example.com").text == ""
    # Tiers and multipliers: 2X new member: 240 and 800 points; Silver at 520.00, 980.00 to Gold,
    # valid to the end of next year.
    assert data(step(outputs, '"W-1"'))["recordPurchase"]["purchase"]["pointsAwarded"] == 240
    assert data(step(outputs, '"W-2"'))["recordPurchase"]["purchase"]["pointsAwarded"] == 800
    tier = data(step(outputs, "tier { current"))["me"]["tier"]
    assert tier == {"current": {"name": "Silver"}, "next": {"name": "Gold"}, "qualifyingAmount": "520.00",
                    "remainingToNext": "980.00", "validUntil": month_end(today.year + 1, 12)}
    # W-3: 2.25X and the promotion's 100: 325 points and EUR 2.00 back, pending (1365 points).
    assert data(step(outputs, '"W-3"'))["recordPurchase"]["purchase"] == {"pointsAwarded": 325,
                                                                         "cashback": {"amount": "2.00"}}
    me = data(step(outputs, "pendingPoints"))["me"]
    assert me["wallet"] == {"points": 100, "pendingPoints": 1365, "pendingCredit": {"amount": "2.00"}}
    assert [edge["node"]["description"] for edge in me["activity"]["edges"]][1] == (
        "Purchase of EUR 100.00 (order W-3): 1 point per EUR, 1.25X Silver tier, 2X new member bonus, "
        "2.25X in all, 100 promotion points")
    # After the return window: 1465 points and EUR 2.00, expiring at the end of the month 24 months on.
    wallet = data(step(outputs, "expiringPoints { points expiresAt }"))["me"]["wallet"]
    assert wallet == {"points": 1465, "credit": {"amount": "2.00"},
                      "expiringPoints": [{"points": 1465, "expiresAt": month_end(today.year + 2, today.month)}]}
    # A reward, used once: 500 points (965 left); USED, then NOT_AVAILABLE.
    redeemed = data(step(outputs, "redeemReward"))["redeemReward"]
    assert (redeemed["issuedReward"]["status"], redeemed["wallet"]["points"]) == ("ACTIVE", 965)
    assert data(step(outputs, '"W-4"'))["useIssuedReward"]["issuedReward"]["status"] == "USED"
    assert [e["code"] for e in data(step(outputs, '"W-5"'))["useIssuedReward"]["errors"]] == ["NOT_AVAILABLE"]
    # Charity: 300 points worth EUR 3.00, 665 left; the Wildlife Trust has EUR 3.00 (a fresh database).
    assert data(step(outputs, "chooseCharity"))["chooseCharity"]["errors"] == []
    donated = data(step(outputs, "donatePoints"))["donatePoints"]
    assert (donated["donation"], donated["wallet"]) == ({"points": 300, "value": {"amount": "3.00"}}, {"points": 665})
    charities = {c["name"]: c["totalDonated"]["amount"] for c in data(step(outputs, "charities"))["charities"]}
    assert charities["Wildlife Trust"] == "3.00"
    # A friend: the link leads to the landing page with Mia's code; Leo gets the EUR 5 coupon.
    assert re.fullmatch(r"location: https://\S+\?ref=[A-Z0-9]+", step(outputs, "curl -si $LINK").text.strip(), re.I)
    leo = data(step(outputs, "leo@example.com"))["signUp"]
    assert [e["node"]["reward"]["name"] for e in leo["member"]["issuedRewards"]["edges"]] == ["EUR 5 off"]
    assert data(step(outputs, '"W-6"'))["recordPurchase"]["errors"] == []
    # Mia rewarded once Leo's purchase posted: completed 1, 500 points, 125 to the Trust: 1040.
    me = data(step(outputs, "invited completed pointsEarned"))["me"]
    assert me["referral"] == {"invited": 1, "completed": 1, "pointsEarned": 500}
    assert me["wallet"] == {"points": 1040}
    assert me["donations"]["edges"][0]["node"] == {"points": 125, "source": "AUTOMATIC"}
    # Gold: W-7 2025 points and EUR 18.00; bonus day today in Amsterdam; W-8 50 points, EUR 0.50.
    assert data(step(outputs, '"W-7"'))["recordPurchase"]["purchase"] == {"pointsAwarded": 2025,
                                                                         "cashback": {"amount": "18.00"}}
    assert data(step(outputs, "chooseBonusDay"))["chooseBonusDay"] == {"bonusDay": today.isoformat(), "errors": []}
    assert data(step(outputs, '"W-8"'))["recordPurchase"]["purchase"] == {"pointsAwarded": 50,
                                                                         "cashback": {"amount": "0.50"}}
    assert data(step(outputs, "updateProfile"))["updateProfile"]["errors"] == []
    assert step(outputs, "run-job birthday-rewards").text.startswith("birthday-rewards: 1 at ")
    # The history, newest first: EUR 10.00 and 250 points (62 of them donated), W-8's EUR 0.50 and 5X.
    edges = [e["node"] for e in data(step(outputs, "activity(first: 5)"))["me"]["activity"]["edges"]]
    assert [(e["points"], e["credit"] and e["credit"]["amount"]) for e in edges] == [
        (0, "10.00"), (-62, None), (250, None), (0, "0.50"), (50, None)]
    assert edges[0]["description"] == edges[2]["description"] == "Happy birthday: your Gold birthday reward"
    assert edges[1]["description"] == "Donation to Wildlife Trust"
    assert edges[3]["description"] == "Cashback of 5% on order W-8"
    assert edges[4]["description"].endswith(", 3X on your bonus day, 5X in all")
    # expiry-warnings 30 days before the first expiresAt: Mia's, the demo member's, Ann's, Leo's.
    assert step(outputs, "run-job expiry-warnings").text.startswith("expiry-warnings: 4 at ")


def check_memberships(outputs: list[Output], moment: datetime) -> None:
    """docs/memberships.md's walk-through: ACTIVE to the same day next month and EUR 5.00 of
    credit; 1.5X Northwind Plus; PAST_DUE, then EXPIRED."""
    today = amsterdam(moment).date()
    paid = data(step(outputs, "\"pay-1\""))["recordPlanPayment"]["membership"]
    next_month = (today.year + today.month // 12, today.month % 12 + 1)
    assert paid["status"] == "ACTIVE"
    assert amsterdam(datetime.fromisoformat(paid["currentPeriodEnd"])).date().timetuple()[:3] == (*next_month, today.day)
    me = data(step(outputs, "{ me { membership { status currentPeriodEnd }"))["me"]
    assert me["wallet"]["credit"] == {"amount": "17.00"}  # the walk-through's 12.00 and 5.00
    edges = data(step(outputs, "activity(first: 2) { edges { node { points description }"))["me"]["activity"]["edges"]
    assert "1.5X Northwind Plus" in edges[1]["node"]["description"]
    assert data(step(outputs, "{ me { membership { status } } }"))["me"]["membership"] == {"status": "EXPIRED"}


def check_passes(outputs: list[Output], moment: datetime) -> None:
    """docs/passes.md's walk-through: the punch card, the visit pack, the credit pass."""
    visits = [json.loads(line)["data"]["recordVisit"] for line in step(outputs, "for n in 0 1").text.splitlines() if line.strip()]
    assert [(v["pass"]["status"], v["pass"]["visitsUsed"]) for v in visits][8:] == [("ACTIVE", 9), ("USED_UP", 10)]
    assert visits[8]["pass"]["visitsTotal"] == 10 and visits[9]["issuedReward"]["code"]
    pack = data(step(outputs, '"pi-1"'))["recordPassPayment"]["pass"]
    assert (pack["status"], pack["visitsTotal"]) == ("ACTIVE", 6)
    assert timedelta(days=365) <= datetime.fromisoformat(pack["validUntil"]) - moment < timedelta(days=365, minutes=5)
    assert data(step(outputs, '"pi-2"'))["recordPassPayment"]["pass"]["creditBalance"] == {"amount": "130.00"}
    assert data(step(outputs, '"HK-1"'))["recordPurchase"] == {
        "purchase": {"pointsAwarded": 75, "cashback": {"amount": "0.75"}}, "errors": []}  # 15 at 5X, 5% of 15
    passes = data(step(outputs, "passes { product"))["me"]["passes"]
    assert {"product": {"name": "Harbor Kitchen prepaid"}, "status": "ACTIVE",
            "creditBalance": {"amount": "85.00"}} in passes


@pytest.mark.parametrize("day", list(MOMENTS))
def test_walkthrough(day: str, tmp_path: Path, database_env: dict[str, str]) -> None:
    moment = MOMENTS[day]
    started = time.monotonic()
    with demo_folder(tmp_path, database_env, moment) as (folder, env):
        demo = Demo(folder, env)
        demo.start()
        bash = Bash(folder, env)
        try:
            outputs = run_pages(bash, demo, PAGES)
        finally:
            bash.close()
            demo.stop()
    for output in outputs:
        print(output.command[:100], "\n  ->", output.text[:2000])
    check_walkthrough(outputs, moment)
    check_memberships(outputs, moment)
    check_passes(outputs, moment)
    print(f"{day}: {time.monotonic() - started:.1f} s")


def doc_command(needle: str) -> str:
    """The one command of docs/walkthrough.md that contains `needle`."""
    found = [command for _, block in sh_blocks(PAGES[0][0]) for command in commands(block) if needle in command]
    assert len(found) == 1, (needle, found)
    return found[0].replace(DOC_URL, "$URL")


def test_the_helpers_say_why_they_set_nothing(tmp_path: Path, database_env: dict[str, str]) -> None:
    """Each helper line that sets variables from an answer says in one line why it cannot, when
    the API refuses or does not answer, and sets nothing: no Python traceback."""
    with demo_folder(tmp_path, database_env, None) as (folder, env):
        demo = Demo(folder, env)
        demo.start()
        bash = Bash(folder, env)
        try:
            assert bash.run(f"URL={demo.url}").status == 0
            [helpers] = [block for _, block in sh_blocks(PAGES[0][0]) if "shop() {" in block]
            for command in commands(helpers.replace(DOC_URL, demo.url)):
                assert bash.run(command).status == 0, command
            assert bash.run("echo ${#MIA}").text == "12\n"
            sign_up, referral = doc_command("mia@example.com"), doc_command("referral { code link }")
            warn_at = doc_command("EXPIRES=")
            # Mia again: refused, and MIA and ACCESS stay as they were.
            assert bash.run("OLD=$MIA$ACCESS").status == 0
            again = bash.run(sign_up)
            assert again.text == "ACCESS not set: An account with this email address exists already.\n"
            assert bash.run('[ "$MIA$ACCESS" = "$OLD" ]').status == 0
            # An access token the API does not take.
            assert bash.run("ACCESS=not-a-token").status == 0
            refused = bash.run(referral)
            assert (refused.text, bash.run("echo ${REF-unset}").text) == (
                "REF not set: Authentication required: the access token is not valid or has expired.\n", "unset\n")
            refused = bash.run(warn_at)
            assert (refused.status, refused.text, bash.run("echo ${WARN_AT-unset}").text) == (
                1, "data.me.wallet.expiringPoints.0.expiresAt not set: Authentication required: the access token is not valid or has expired.\n", "unset\n")
            # No API at all.
            demo.stop()
            for command, name in ((sign_up, "ACCESS"), (referral, "REF"), (warn_at, "data.me.wallet")):
                down = bash.run(command)
                assert down.text == f"no answer from the API at {demo.url}/graphql (is scripts/run serving?)\n", name
        finally:
            bash.close()
            demo.stop()


@pytest.mark.skipif(conftest.POSTGRES, reason="the reset step deletes the embedded default's SQLite file")
def test_starting_over_makes_a_new_demo_member_and_key(tmp_path: Path, database_env: dict[str, str]) -> None:
    """The reset step: after its `rm`, a new start makes a fresh database, demo member and key."""
    reset = [command for _, block in sh_blocks(PAGES[0][0]) for command in commands(block)
             if command.startswith("rm -f loyalty.sqlite3")]
    assert len(reset) == 1
    with demo_folder(tmp_path, database_env, None) as (folder, env):
        demo = Demo(folder, env)
        demo.start()
        first = (demo.member_number, (folder / "var" / "demo-api-key.txt").read_text())
        demo.stop()
        bash = Bash(folder, env)
        try:
            assert bash.run(reset[0]).status == 0
        finally:
            bash.close()
        assert not (folder / "loyalty.sqlite3").exists()
        demo.start()
        try:
            second = (demo.member_number, (folder / "var" / "demo-api-key.txt").read_text())
        finally:
            demo.stop()
    assert second[0] != first[0] and second[1] != first[1]
