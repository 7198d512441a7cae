"""Logs survive scale-out and are structured: JSON lines (request id, operation, member or
key, duration) from every uvicorn worker process with `--workers 2`; readable text in
development; a client's mistake or a client that went away is one INFO line, never an
ERROR with a traceback."""
from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from loyalty import logs
from loyalty.auth.models import ApiKey
from loyalty.runtime import Runtime
from tests.conftest import make_settings
from tests.support.notify import new_member
from tests.support.servers import LOYALTY, environment, free_port
from tests.support.shop import api_key


@contextlib.contextmanager
def serving(settings, log_path: Path, *extra: str, env: dict[str, str]) -> Iterator[str]:  # noqa: ANN001
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="loyalty-cwd-") as cwd, open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [str(LOYALTY), "serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port), *extra],
            env=environment(settings, **env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                        break
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def test_json_logs_carry_request_id_operation_principal_and_duration_under_two_workers(
    runtime: Runtime, workdir: Path, tmp_path: Path,
) -> None:
    member = await new_member("ann@example.com")
    token = runtime.tokens.issue(member.id).token
    key = await api_key("members:read")
    key_id = (await ApiKey.get(name="shop backend")).id
    settings = make_settings(workdir)
    log_path = tmp_path / "serve.log"
    with serving(settings, log_path, "--workers", "2", env={"LOG_FORMAT": "json"}) as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        for number in range(4):
            as_member = http.post("/graphql", json={"query": "query Me { me { id } }"},
                                  headers={"Authorization": f"Bearer {token}", "X-Request-Id": f"member-{number}"})
            assert as_member.status_code == 200
            as_key = http.post("/graphql", json={"query": "query Ping { __typename }", "operationName": "Ping"},
                               headers={"Authorization": f"Bearer {key}", "X-Request-Id": f"key-{number}"})
            assert as_key.status_code == 200
        bad = http.post("/graphql", json={"query": "{ nope"}, headers={"X-Request-Id": "bad-1"})
        assert bad.status_code == 200 and bad.json()["errors"][0]["message"].startswith("Syntax Error")
        time.sleep(0.5)
    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    access = {e["request_id"]: e for e in entries if e["logger"] == "loyalty.access"}
    for number in range(4):
        member_line, key_line = access[f"member-{number}"], access[f"key-{number}"]
        assert (member_line["level"], member_line["operation"], member_line["member_id"], member_line["status"],
                member_line["method"], member_line["path"]) == ("INFO", "Me", member.id, 200, "POST", "/graphql")
        assert (key_line["operation"], key_line["api_key_id"], key_line["status"]) == ("Ping", key_id, 200)
        assert "member_id" not in key_line and "api_key_id" not in member_line
        assert member_line["duration_ms"] >= 0 and key_line["duration_ms"] >= 0
    assert sum(e["logger"] == "loyalty.access" and e["path"] == "/graphql" for e in entries) == 9
    about_bad = [e for e in entries if e.get("request_id") == "bad-1"]
    assert [(e["level"], e["logger"]) for e in about_bad] == [("INFO", "loyalty.errors"), ("INFO", "loyalty.access")]
    assert about_bad[0]["message"].startswith("client error GRAPHQL: Syntax Error")
    assert [e for e in entries if e["level"] in ("ERROR", "CRITICAL") or "exception" in e] == []
    started = [e for e in entries if e["logger"] == "uvicorn.error" and "Application startup complete" in e["message"]]
    assert len(started) == 2  # both worker processes log, through the same configuration


def test_text_lines_in_development_show_the_request_fields_as_key_value() -> None:
    settings = make_settings(Path(tempfile.gettempdir()))
    assert logs.log_format(settings) == "text"
    record = logging.makeLogRecord({"name": "loyalty.access", "levelno": logging.INFO, "levelname": "INFO",
                                    "msg": "POST %s %d", "args": ("/graphql", 200), "duration_ms": 3.5})
    token = logs.request_fields.set({"request_id": "r-1", "operation": "Me", "member_id": 7})
    try:
        line = logs.TextFormatter().format(record)
        entry = json.loads(logs.JsonFormatter().format(record))
    finally:
        logs.request_fields.reset(token)
    assert line.split(" ", 2)[2] == "INFO loyalty.access: POST /graphql 200 request_id=r-1 operation=Me member_id=7 duration_ms=3.5"
    del entry["time"]
    assert entry == {"level": "INFO", "logger": "loyalty.access", "message": "POST /graphql 200", "request_id": "r-1",
                     "operation": "Me", "member_id": 7, "duration_ms": 3.5}


def test_json_is_the_default_in_production_and_a_warning_about_a_fault_has_no_traceback() -> None:
    settings = make_settings(Path(tempfile.gettempdir()), LOYALTY_ENV="production", JWT_SECRET="x" * 64)
    assert logs.log_format(settings) == "json"
    try:
        raise ConnectionRefusedError(111, "Connection refused")
    except ConnectionRefusedError as exc:
        record = logging.makeLogRecord({"name": "loyalty.cache", "levelno": logging.WARNING, "levelname": "WARNING",
                                        "msg": "cache read failed", "exc_info": (type(exc), exc, exc.__traceback__)})
    entry = json.loads(logs.JsonFormatter().format(record))
    assert (entry["message"], "exception" in entry) == (
        "cache read failed: ConnectionRefusedError: [Errno 111] Connection refused", False)


async def test_a_client_that_goes_away_mid_request_is_one_info_line(
    runtime: Runtime, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    app = create_app(runtime=runtime)
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/graphql", "raw_path": b"/graphql", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json"), (b"content-length", b"30"),
                         (b"x-request-id", b"gone-1")],
             "client": ("203.0.113.7", 50000), "server": ("testserver", 80)}
    await app(scope, receive, send)
    mine = [r for r in caplog.records if r.name.startswith(("loyalty", "uvicorn", "strawberry", "starlette"))]
    assert [r for r in mine if r.levelno >= logging.WARNING] == []
    assert [r.getMessage() for r in mine if r.name == "loyalty.faults"] == [
        "the client went away during POST /graphql (request gone-1)"]
    assert all(r.exc_info is None for r in mine)
