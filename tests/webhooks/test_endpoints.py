"""Registering endpoints: private networks refused unless allowed, events checked, nothing
stored when refused; the signature as a receiver checks it."""
from __future__ import annotations

import ipaddress

import pytest

from loyalty.webhooks import network, signing
from loyalty.webhooks.models import Webhook
from tests.members import row_counts
from tests.support.gql import gql
from tests.support.shop import api_key, error, errors_of

CREATE = """mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id } secret errors { code field } } }"""

PRIVATE = ["http://127.0.0.1:8080/hook", "http://localhost/hook", "https://10.1.2.3/hook", "http://192.168.0.9/",
           "http://172.16.5.4/", "http://169.254.169.254/latest/meta-data", "http://[::1]/hook",
           "http://[::ffff:127.0.0.1]/hook", "http://100.64.0.1/", "http://0.0.0.0/", "http://[fe80::1]/",
           "http://[fd00::1]/"]


@pytest.mark.parametrize("url", PRIVATE)
async def test_a_url_on_a_private_or_loopback_network_is_refused_by_default(client, url):
    staff = await api_key("staff:write")
    before = await row_counts()
    body = await gql(client, CREATE, {"input": {"url": url, "events": ["points.earned"]}}, token=staff)
    assert errors_of(body["data"]["createWebhook"]) == error("INVALID", "url")
    assert body["data"]["createWebhook"]["secret"] is None
    assert await row_counts() == before


@pytest.mark.parametrize("url", ["ftp://example.com/x", "example.com/hook", "http:///hook", "http://exa mple.com/",
                                 "https://example.com:99999/", "h" * 2001])
async def test_a_url_that_is_not_http_is_refused(client, url):
    body = await gql(client, CREATE, {"input": {"url": url, "events": ["*"]}}, token=await api_key("admin"))
    assert errors_of(body["data"]["createWebhook"]) == error("INVALID", "url")


@pytest.mark.parametrize(("events", "code"), [([], "REQUIRED"), (["points.earned", "no.such.topic"], "INVALID"),
                                             ([" "], "INVALID")])
async def test_unknown_events_are_refused(client, events, code):
    body = await gql(client, CREATE, {"input": {"url": "https://93.184.215.14/hook", "events": events}},
                     token=await api_key("admin"))
    assert errors_of(body["data"]["createWebhook"]) == error(code, "events")
    assert await Webhook.all().count() == 0


async def test_a_public_address_is_accepted_and_star_stands_for_every_topic(client):
    body = await gql(client, CREATE, {"input": {"url": "https://93.184.215.14/hook", "events": ["points.earned", "*"]}},
                     token=await api_key("admin"))
    assert body["data"]["createWebhook"]["errors"] == []
    row = await Webhook.get()
    assert (row.url, row.events, row.created_by) == ("https://93.184.215.14/hook", ["*"], "api_key:shop backend")


@pytest.mark.parametrize(("text", "public"), [("93.184.215.14", True), ("2606:4700::1111", True), ("127.0.0.1", False),
                                              ("10.0.0.1", False), ("::ffff:10.0.0.1", False), ("224.0.0.1", False),
                                              ("240.0.0.1", False)])
def test_which_addresses_are_public(text, public):
    assert network.is_public(ipaddress.ip_address(text)) is public


async def test_private_networks_are_allowed_by_the_setting():
    assert await network.check_url(" http://127.0.0.1:9/hook ", allow_private=True) == "http://127.0.0.1:9/hook"


def test_the_signature_is_stripe_s_scheme_over_the_timestamp_and_the_body():
    body = b'{"id":"e-1"}'
    header = signing.header("whsec_test", 1_700_000_000, body)
    assert header == ("t=1700000000,v1=" + signing.signature("whsec_test", 1_700_000_000, body))
    import hashlib
    import hmac

    expected = hmac.new(b"whsec_test", b'1700000000.{"id":"e-1"}', hashlib.sha256).hexdigest()
    assert header.endswith(expected)
    assert signing.verify("whsec_test", header, body, 1_700_000_100)
    assert not signing.verify("whsec_test", header, body, 1_700_000_301)  # past the tolerance: a replay
    assert not signing.verify("whsec_test", header, b'{"id":"e-2"}', 1_700_000_000)
    assert not signing.verify("whsec_test", "v1=abc", body, 1_700_000_000)
