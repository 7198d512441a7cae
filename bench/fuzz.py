"""Fuzzing every GraphQL operation with schemathesis, as an anonymous caller, a member and an
API key, against the app in production mode: no 5xx, no masked internal error, and every
answer GraphQL JSON (transport refusals such as 404, 405, 413 and 400 included).

schemathesis generates the documents from schema.graphql (introspection is off in production)
with its GraphQL support; they are sent from here, over the app's own event loop.

Run: `.venv/bin/python -m bench.fuzz --cases 10000` (embedded SQLite in a temporary folder, or
DATABASE_URL / REDIS_URL from the environment). The suite runs a few hundred cases of it.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.graphql import from_file, nodes, scalar

SCHEMA = Path(__file__).resolve().parent.parent / "schema.graphql"
TRANSPORT = [  # (method, path, body, headers): refusals before GraphQL
    ("GET", "/nowhere", None, {}),
    ("PUT", "/graphql", b"{}", {"Content-Type": "application/json"}),
    ("OPTIONS", "/graphql", None, {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}),
    ("POST", "/graphql", b'{"query": ', {"Content-Type": "application/json"}),
    ("POST", "/graphql", b"42", {"Content-Type": "application/json"}),
    ("POST", "/graphql", b"{ __typename }", {"Content-Type": "text/plain"}),
    ("POST", "/graphql", b'{"query": "' + b" " * 300_000 + b'"}', {"Content-Type": "application/json"}),
    ("GET", "/graphql", None, {"Accept": "text/html"}),
    ("GET", "/graphql?query=%7B__typename%7D", None, {"Accept": "application/json"}),
]

# The project's own scalars, with the hostile values next to ordinary ones.
scalar("Decimal", st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["1E+300000", "1E+999999", "-1E-999999", "12.50", "0", "-0.00", "1" * 64, "", "x"]),
    st.text(max_size=20),
).map(nodes.String))
scalar("Long", st.integers(min_value=-(2**70), max_value=2**70).map(nodes.Int))
scalar("Date", st.one_of(st.dates().map(str), st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-30"]),
                         st.text(max_size=12)).map(nodes.String))
scalar("DateTime", st.one_of(
    st.datetimes().map(lambda d: d.isoformat() + "+02:00"),
    st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2026-04-30T14:05:00Z"]),
    st.text(max_size=30),
).map(nodes.String))


def generate(total: int, seed_value: int = 12) -> list[tuple[str, str]]:
    """About `total` (operation label, document) pairs, spread evenly over the operations."""
    operations = [result.ok() for result in from_file(SCHEMA.read_text()).get_all_operations()]
    per_operation = max(1, total // len(operations))
    cases: list[tuple[str, str]] = []
    for operation in operations:
        cases += _documents(operation, per_operation, seed_value)
    return cases


def _documents(operation, count: int, seed_value: int) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    @seed(seed_value)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy())
    def collect(case) -> None:
        found.append((operation.label, case.body))

    collect()
    return found[:count]


@dataclass
class Report:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def check(self, what: str, response: httpx.Response) -> None:
        self.requests += 1
        self.statuses[response.status_code] += 1
        problem = None
        if response.status_code >= 500 and response.status_code != 503:
            problem = f"status {response.status_code}"
        elif not response.headers.get("content-type", "").startswith("application/json"):
            problem = f"not JSON: {response.headers.get('content-type')}"
        else:
            try:
                body = json.loads(response.content)
            except ValueError:
                body = None
            if not isinstance(body, dict) or not ({"data", "errors"} & set(body)):
                problem = "not a GraphQL response"
            else:
                for error in body.get("errors") or []:
                    code = (error.get("extensions") or {}).get("code", "-")
                    self.codes[code] += 1
                    if code == "INTERNAL_SERVER_ERROR":
                        problem = "masked internal error"
        if problem:
            self.failures.append(f"{what}: {problem}: {response.text[:300]}")

    def summary(self) -> str:
        return (f"{self.requests} requests in {self.seconds:.1f} s; statuses {dict(sorted(self.statuses.items()))}; "
                f"error codes {dict(self.codes.most_common())}; {len(self.failures)} failures")


async def fuzz(client: httpx.AsyncClient, cases: list[tuple[str, str]], callers: dict[str, str | None]) -> Report:
    report = Report()
    started = time.perf_counter()
    for name, credential in callers.items():
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        for label, document in cases:
            response = await client.post("/graphql", json={"query": document}, headers=headers)
            report.check(f"{label} as {name}", response)
    for method, path, body, headers in TRANSPORT:
        response = await client.request(method, path, content=body, headers=headers)
        report.check(f"{method} {path}", response)
    report.seconds = time.perf_counter() - started
    return report


async def _main(total: int, seed_value: int) -> int:
    import os

    from api.app import create_app
    from loyalty import db
    from loyalty.auth.api_keys import create_api_key
    from loyalty.runtime import build_runtime
    from loyalty.settings import Settings

    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)  # every client error, with a traceback
    folder = Path(tempfile.mkdtemp(prefix="loyalty-fuzz-"))
    config = Settings(
        _env_file=None, LOYALTY_ENV="production", JWT_SECRET="fz8Q2vKp7LxW3nRb5TcY9mJd4HsA6gEu",
        DATABASE_URL=os.environ.get("DATABASE_URL") or f"sqlite://{folder / 'fuzz.sqlite3'}",
        REDIS_URL=os.environ.get("REDIS_URL"), DATA_DIR=folder / "var",
        PASSWORD_HASH_MEMORY_KIB=1024, PASSWORD_HASH_TIME_COST=1,
    )
    await db.migrate(config)
    await db.close()
    await db.init(config)
    runtime = await build_runtime(config)
    transport = httpx.ASGITransport(app=create_app(runtime=runtime), client=("203.0.113.7", 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://fuzz") as client:
            signed_up = await client.post("/graphql", json={"query": (
                'mutation { signUp(input: {email: "fuzz@example.com", password: "correct horse battery", '
                'displayName: "Fuzz"}) { accessToken } }')})
            member = signed_up.json()["data"]["signUp"]["accessToken"]
            key = (await create_api_key("fuzz", frozenset({"admin"})))[1]
            started = time.perf_counter()
            cases = generate(total // 3, seed_value)
            print(f"{len(cases)} documents generated in {time.perf_counter() - started:.1f} s, each sent 3 times")
            report = await fuzz(client, cases, {"anonymous": None, "member": member, "key": key})
    finally:
        await runtime.close()
        await db.close()
    print(report.summary())
    for failure in report.failures[:50]:
        print("  " + failure)
    return 1 if report.failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="requests over GraphQL operations, all callers")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(_main(args.cases, args.seed)))


if __name__ == "__main__":
    main()
