"""/metrics of a real `loyalty serve`: a purchase, a refused purchase and the notification the
purchase makes each move their counter by exactly one, with one process and with two
(prometheus-client's multi-process mode adds the processes up)."""
from __future__ import annotations

import time

import httpx
import pytest

from loyalty.auth.api_keys import create_api_key
from tests.operations.support import METRICS_TOKEN, moved, scrape, serving
from tests.support.notify import new_member
from tests.support.receivers import smtp_receiver

BUY = ("mutation ($i: RecordPurchaseInput!) { recordPurchase(input: $i) { purchase { pointsAwarded } "
       "errors { code } } }")


def _until(check, what: str, timeout: float = 60.0):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _settled(url: str):  # noqa: ANN202 - the scrape once every event is delivered
    samples = scrape(url)
    return samples if samples[("loyalty_outbox_undelivered", ())] == 0 else None


@pytest.mark.parametrize("workers", [1, 2])
async def test_a_purchase_a_refused_purchase_and_a_notification_each_move_their_counter_by_one(
        runtime, settings, tmp_path, workers):
    member = await new_member("mia@example.com", name="Mia")
    _, key = await create_api_key("shop", frozenset({"purchases:write"}))
    with smtp_receiver() as smtp, serving(settings, tmp_path, "--workers", str(workers), REDIS_URL="",
                                          METRICS_TOKEN=METRICS_TOKEN, SMTP_URL=smtp.url,
                                          SCHEDULE_DAILY_AT="00:00") as url:  # due at any hour of the day
        before = _until(lambda: _settled(f"{url}/metrics"), "the events of the sign-up")
        sent_before = len(smtp.messages)
        headers = {"Authorization": f"Bearer {key}"}
        bought = httpx.post(f"{url}/graphql", headers=headers, timeout=30, json={"query": BUY, "variables": {"i": {
            "memberNumber": member.member_number, "orderId": "M-1", "amount": "10.00", "currencyCode": "EUR"}}})
        refused = httpx.post(f"{url}/graphql", headers=headers, timeout=30, json={"query": BUY, "variables": {"i": {
            "memberNumber": "999999999999", "orderId": "M-2", "amount": "10.00", "currencyCode": "EUR"}}})
        assert bought.json()["data"]["recordPurchase"]["errors"] == []
        assert refused.json()["data"]["recordPurchase"] == {"purchase": None, "errors": [{"code": "NOT_FOUND"}]}
        _until(lambda: len(smtp.messages) == sent_before + 1, "the purchase's email")
        after = _until(lambda: _settled(f"{url}/metrics"), "the purchase's events")

    requests = moved(before, after, "loyalty_graphql_requests_total")
    assert requests == {
        ("loyalty_graphql_requests_total", (("operation", "recordPurchase"), ("outcome", "NOT_FOUND"))): 1.0,
        ("loyalty_graphql_requests_total", (("operation", "recordPurchase"), ("outcome", "ok"))): 1.0,
    }
    assert moved(before, after, "loyalty_notifications_total") == {
        ("loyalty_notifications_total", (("channel", "email"), ("result", "sent"))): 1.0,
    }
    timed = moved(before, after, "loyalty_graphql_request_seconds_count")
    assert timed == {("loyalty_graphql_request_seconds_count", (("operation", "recordPurchase"),)): 2.0}
    assert after[("loyalty_notifications_dead", ())] == 0
    assert after[("loyalty_outbox_lag_seconds", ())] == 0
    # The embedded scheduler ran the day's jobs on start, the ledger check last: no violation.
    assert after[("loyalty_ledger_violations", ())] == 0
    assert after[("loyalty_job_last_run_failed", (("job", "verify-ledger"),))] == 0
    queries = moved(before, after, "loyalty_db_query_seconds_count")
    assert sum(queries.values()) > 0


async def test_metrics_are_off_without_a_token_setting_and_refuse_a_wrong_token(runtime, settings, tmp_path):
    with serving(settings, tmp_path, REDIS_URL="", METRICS_TOKEN="") as url:
        assert httpx.get(f"{url}/metrics", timeout=10).status_code == 404
    with serving(settings, tmp_path, REDIS_URL="", METRICS_TOKEN=METRICS_TOKEN) as url:
        assert httpx.get(f"{url}/metrics", timeout=10).status_code == 401
        wrong = httpx.get(f"{url}/metrics", headers={"Authorization": "Bearer not-the-token-at-all"}, timeout=10)
        assert wrong.status_code == 401
        assert httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
                         timeout=10).status_code == 200


async def test_a_document_that_does_not_validate_counts_as_no_operation_without_its_made_up_name(client):
    from loyalty import metrics
    from tests.support.gql import gql

    def count(operation: str, outcome: str) -> float:
        return metrics.REQUESTS.labels(operation, outcome)._value.get()

    before = count("-", "BAD_REQUEST")
    await gql(client, "{ madeUpField123 }", expect_errors=True)
    assert count("-", "BAD_REQUEST") == before + 1
    samples = {tuple(s.labels.values()) for m in metrics.REQUESTS.collect() for s in m.samples}
    assert not any("madeUpField123" in labels for labels in samples)
