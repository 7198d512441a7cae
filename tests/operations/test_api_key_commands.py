"""`loyalty list-api-keys` (name, prefix, scopes, created, last used; never the key) and
`loyalty revoke-api-key NAME` (the key stops working at once)."""
from __future__ import annotations

from datetime import datetime, timezone

from loyalty import clock
from loyalty.auth.api_keys import authenticate_api_key, create_api_key
from loyalty.auth.models import ApiKey
from tests.support.cli import run_cli

CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
USED = datetime(2026, 3, 2, 14, 0, tzinfo=timezone.utc)


async def test_keys_are_listed_without_the_key_and_a_revoked_key_stops_working(runtime, settings):
    with clock.frozen_at(CREATED):
        shop, shop_key = await create_api_key("shop backend", frozenset({"purchases:write", "members:read"}))
        staff, staff_key = await create_api_key("staff tool", frozenset({"admin"}))
    with clock.frozen_at(USED):
        assert await authenticate_api_key(shop_key) is not None
    listed = await run_cli(settings, "list-api-keys")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        f"{'NAME':<24} {'PREFIX':<12} {'SCOPES':<40} {'CREATED':<20} {'LAST USED':<20} REVOKED",
        f"{'shop backend':<24} {shop.prefix + '…':<12} {'members:read,purchases:write':<40} "
        f"{'2026-03-01 09:30:00Z':<20} 2026-03-02 14:00:00Z",
        f"{'staff tool':<24} {staff.prefix + '…':<12} {'admin':<40} {'2026-03-01 09:30:00Z':<20} never",
        "2 API key(s)",
    ]
    assert shop_key not in listed.stdout and staff_key not in listed.stdout

    revoked = await run_cli(settings, "revoke-api-key", "shop backend")
    assert (revoked.returncode, revoked.stdout.splitlines()[-1]) == (
        0, "revoked 1 API key(s) named 'shop backend'; they stop working within the API's key cache time")
    assert await authenticate_api_key(shop_key) is None
    assert await authenticate_api_key(staff_key) is not None
    after = await run_cli(settings, "list-api-keys")
    assert after.stdout.splitlines()[-1] == "1 API key(s)"
    everything = await run_cli(settings, "list-api-keys", "--all")
    assert everything.stdout.splitlines()[-1] == "2 API key(s)"


async def test_revoking_an_unknown_name_fails_and_changes_nothing(runtime, settings):
    _, key = await create_api_key("shop backend", frozenset({"admin"}))
    before = await ApiKey.all().values_list("id", "revoked_at")
    answer = await run_cli(settings, "revoke-api-key", "no such key")
    assert (answer.returncode, answer.stderr.strip()) == (
        1, "error: no API key named 'no such key' that is not revoked already (loyalty list-api-keys lists them)")
    assert await ApiKey.all().values_list("id", "revoked_at") == before
    assert await authenticate_api_key(key) is not None
