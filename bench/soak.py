"""The soak: a mixed workload against 2 API processes, 2 workers and the scheduler on a
PostgreSQL server and a redis-server of its own, while it SIGKILLs an API process, a worker
and the scheduler, restarts Redis (empty: it persists nothing) and restarts PostgreSQL (a
crash: `pg_ctl stop -m immediate`). Afterwards every member's wallet must equal a reference
model built from the answers, `verify-ledger` must be clean, and every event delivered.

    .venv/bin/python -m bench.soak            # about 5 minutes; SOAK_SECONDS=150 by default

It prints its counts and the recovery time after each fault, and exits 1 when a check fails.
Nothing is sent anywhere but 127.0.0.1; every server it starts is stopped at the end.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from loyalty.settings import DEMO_PROGRAM_FILE
from schema.relay import from_global_id
from tests.faults.private import PostgresServer, RedisServer, free_port, postgres_server, redis_server
from tests.support.receivers import SmtpReceiver, smtp_receiver

LOYALTY = Path(sys.executable).with_name("loyalty")
SECONDS = float(os.environ.get("SOAK_SECONDS", "150"))
MEMBERS = 40
CLIENTS = 6
PAUSE_SECONDS = 0.3  # between a client's operations: a load the two workers keep up with
RETRY_FOR_SECONDS = 90.0
SENDER = "Loyalty <no-reply@soak.example>"

PURCHASE = """
mutation Purchase($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) { purchase { id orderId pointsAwarded pointsSpent } errors { code field message } }
}"""
SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { accessToken member { id } errors { code message } }
}"""
WALLET = "query Wallet($id: ID!) { node(id: $id) { ... on Member { wallet { points pendingPoints } } } }"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- processes


@dataclass
class Process:
    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        log_file = open(self.log_path, "ab")  # noqa: SIM115 - the child holds it
        self.process = subprocess.Popen([str(LOYALTY), *self.args], env=self.env, cwd=self.env["DATA_DIR"],
                                        stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
        log_file.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _environment(database_url: str, redis_url: str, data_dir: Path, program: Path, smtp: SmtpReceiver) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "DATABASE_URL", "REDIS_URL"))}
    env.update({
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "DATA_DIR": str(data_dir),
        "PROGRAM_FILE": str(program), "LOYALTY_ENV": "development", "LOG_FORMAT": "text",
        "PASSWORD_HASH_MEMORY_KIB": "1024", "PASSWORD_HASH_TIME_COST": "1", "PYTHONUNBUFFERED": "1",
        "SMTP_URL": smtp.url, "MAIL_FROM": SENDER, "PUBLIC_URL": "https://wallet.soak.example",
        "WORKER_RECLAIM_SECONDS": "5", "RELAY_RECHECK_SECONDS": "5", "NOTIFY_LEASE_SECONDS": "10",
        "NOTIFY_BACKOFF_SECONDS": "1", "SCHEDULER_POLL_SECONDS": "2", "REQUEST_TIMEOUT_SECONDS": "10",
        # Every member of the soak signs up from 127.0.0.1.
        "SIGNUP_ATTEMPTS_PER_ADDRESS": "1000",
    })
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LOYALTY), *args], env=env, cwd=env["DATA_DIR"], capture_output=True, text=True,
                          timeout=120, check=False)


async def wait_until(check, timeout: float, what: str) -> float:  # noqa: ANN001
    """Seconds until `check()` holds; raises after `timeout`."""
    started = time.monotonic()
    while True:
        with contextlib.suppress(Exception):
            if await check():
                return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{what} did not happen within {timeout:.0f} s")
        await asyncio.sleep(0.1)


async def ready(url: str) -> bool:
    async with httpx.AsyncClient(timeout=2) as http:
        return (await http.get(f"{url}/readyz")).status_code == 200


# ---------------------------------------------------------------- the workload and its model


@dataclass
class Member:
    id: int
    gid: str
    points: int = 0  # the model: what the answers say the wallet holds


@dataclass
class Counts:
    requests: Counter = field(default_factory=Counter)  # by outcome of each HTTP attempt
    operations: Counter = field(default_factory=Counter)  # by kind and definitive outcome
    anomalies: list[str] = field(default_factory=list)


class Workload:
    def __init__(self, urls: list[str], key: str, members: list[Member]):
        self.urls = urls
        self.key = key
        self.members = members
        self.counts = Counts()
        self.orders: dict[str, tuple[str, int, int]] = {}  # order id -> (purchase id, awarded, spent)
        self.order_numbers = iter(range(1, 10**9))
        self.rng = random.Random(11)
        self._amounts: dict[str, int] = {}
        self._spends: dict[str, int] = {}
        self._owners: dict[str, int] = {}

    async def _post(self, http: httpx.AsyncClient, attempt: int, variables: dict) -> dict:
        """One definitive answer, retrying (same input: the order id is the idempotency key)
        on a connection error, a timeout or 503 UNAVAILABLE, on the other server in turn."""
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        while True:
            url = self.urls[attempt % len(self.urls)]
            attempt += 1
            try:
                response = await http.post(f"{url}/graphql", json={"query": PURCHASE, "variables": variables},
                                           headers={"Authorization": f"Bearer {self.key}"})
            except httpx.HTTPError:
                self.counts.requests["connection error"] += 1
            else:
                if response.status_code == 503:
                    self.counts.requests["503 UNAVAILABLE"] += 1
                    assert response.headers.get("retry-after"), "503 without Retry-After"
                    codes = [e["extensions"].get("code") for e in response.json().get("errors", [])]
                    if codes != ["UNAVAILABLE"]:
                        self.counts.anomalies.append(f"503 with codes {codes}")
                elif response.status_code == 200 and (response.json().get("data") or {}).get("recordPurchase"):
                    self.counts.requests["200"] += 1
                    return response.json()["data"]["recordPurchase"]
                else:
                    self.counts.requests[f"{response.status_code} other"] += 1
                    self.counts.anomalies.append(f"answer {response.status_code}: {response.text[:300]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no definitive answer for {variables['input']['orderId']}")
            await asyncio.sleep(0.3)

    def _record(self, kind: str, member: Member, order: str, answer: dict) -> bool:
        """Adds a definitive answer to the model; True when the purchase was recorded."""
        if answer["errors"]:
            codes = tuple(sorted(e["code"] for e in answer["errors"]))
            self.counts.operations[f"{kind}: refused {'/'.join(codes)}"] += 1
            return False
        purchase = answer["purchase"]
        seen = (purchase["id"], purchase["pointsAwarded"], purchase["pointsSpent"])
        if order in self.orders:
            if self.orders[order] != seen:
                self.counts.anomalies.append(f"order {order} answered {seen}, before {self.orders[order]}")
            self.counts.operations[f"{kind}: replayed"] += 1
            return True
        self.orders[order] = seen
        member.points += purchase["pointsAwarded"] - purchase["pointsSpent"]
        self.counts.operations[f"{kind}: recorded"] += 1
        return True

    def _input(self, member: Member, order: str, amount: int, spend: int | None = None) -> dict:
        values = {"memberId": member.gid, "orderId": order, "amount": f"{amount}.00", "currencyCode": "EUR"}
        if spend:
            values["pointsToSpend"] = spend
        return {"input": values}

    async def client(self, http: httpx.AsyncClient, index: int, until: float) -> None:
        mine = self.members[:-1][index::CLIENTS]  # each member has one client: the model stays exact
        attempt = index
        while time.monotonic() < until:
            member = self.rng.choice(mine)
            roll = self.rng.random()
            order = f"S-{next(self.order_numbers)}"
            amount = self.rng.randint(5, 80)
            if roll < 0.55:
                variables = self._input(member, order, amount)
                self._record("purchase", member, order, await self._post(http, attempt, variables))
            elif roll < 0.70:  # the same key twice at once: one purchase, the same answer twice
                variables = self._input(member, order, amount)
                answers = await asyncio.gather(self._post(http, attempt, variables), self._post(http, attempt + 1, variables))
                for answer in answers:
                    self._record("duplicate key", member, order, answer)
            elif roll < 0.80 and self.orders:  # a client repeating an old order
                old = self.rng.choice(list(self.orders))
                owner = next(m for m in self.members if m.id == self._owner(old))
                if owner in mine:
                    variables = self._input(owner, old, self._amounts[old], self._spends.get(old))
                    self._record("repeat", owner, old, await self._post(http, attempt, variables))
            elif member.points >= 20:  # two payments with points at once, each 70% of the balance
                spend = member.points * 7 // 10
                # An order just worth the points (1 point = EUR 0.01): what it earns back is
                # too little to pay for the second payment too.
                price = spend // 100 + 1
                first, second = f"{order}-a", f"S-{next(self.order_numbers)}-b"
                answers = await asyncio.gather(
                    self._post(http, attempt, self._input(member, first, price, spend)),
                    self._post(http, attempt + 1, self._input(member, second, price, spend)),
                )
                self._amounts[first] = self._amounts[second] = price
                self._spends[first] = self._spends[second] = spend
                self._owners[first] = self._owners[second] = member.id
                won = [self._record("overspend race", member, o, a) for o, a in zip((first, second), answers)]
                if all(won):
                    self.counts.anomalies.append(f"both payments of {spend} points by member {member.id} went through")
                await asyncio.sleep(PAUSE_SECONDS)
                continue
            self._amounts[order] = amount
            self._owners[order] = member.id
            attempt += 1
            await asyncio.sleep(PAUSE_SECONDS)

    async def probe(self) -> float:
        """One purchase, retried until answered; returns the moment of its answer."""
        member = self.members[-1]  # the probes' own member
        order = f"probe-{next(self.order_numbers)}"
        async with httpx.AsyncClient(timeout=30) as http:
            answer = await self._post(http, 0, self._input(member, order, 10))
        self._record("probe", member, order, answer)
        self._amounts[order], self._owners[order] = 10, member.id
        return time.monotonic()

    def _owner(self, order: str) -> int:
        return self._owners[order]


# ---------------------------------------------------------------- the soak


async def soak() -> int:
    folder = Path(tempfile.mkdtemp(prefix="loyalty-soak-"))
    log(f"logs and data in {folder}")
    program = folder / "program.toml"
    # Points can be spent at once (no return window), so payments with points race from the start.
    program.write_text(DEMO_PROGRAM_FILE.read_text().replace("pending_days = 14", "pending_days = 0"))
    processes: list[Process] = []
    failures: list[str] = []
    with smtp_receiver() as smtp, postgres_server() as pg, redis_server(folder / "redis") as redis:
        database_url = pg.create_database("soak")
        env = _environment(database_url, redis.url, folder, program, smtp)
        for command in (["migrate"], ["apply-program", str(program)]):
            done = run(env, *command)
            assert done.returncode == 0, done.stderr
        made = run(env, "create-api-key", "--name", "soak", "--scopes", "purchases:write,members:read")
        key = made.stdout.strip().splitlines()[-1]
        ports = [free_port(), free_port()]
        apis = [Process(f"api-{n}", ["serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port),
                                     "--log-level", "warning"], env, folder / f"api-{n}.log")
                for n, port in enumerate(ports)]
        workers = [Process(f"worker-{n}", ["worker"], env, folder / f"worker-{n}.log") for n in range(2)]
        scheduler = Process("scheduler", ["scheduler"], env, folder / "scheduler.log")
        processes = [*apis, *workers, scheduler]
        try:
            for process in processes:
                process.start()
            urls = [f"http://127.0.0.1:{port}" for port in ports]
            for url in urls:
                await wait_until(lambda u=url: ready(u), 60, f"{url} ready")
            async with httpx.AsyncClient(timeout=30) as http:
                members = await _sign_up(http, urls[0], key)
                workload = Workload(urls, key, members)
                started = time.monotonic()
                until = started + SECONDS
                clients = [asyncio.create_task(workload.client(http, n, until)) for n in range(CLIENTS)]
                recoveries = await _faults(started, apis, workers, scheduler, redis, pg, urls, workload, database_url)
                await asyncio.gather(*clients)
                log(f"workload done after {time.monotonic() - started:.0f} s; draining the queue")
                drain = await wait_until(lambda: _all_delivered(database_url), 300, "every event delivered")
                wallets = await _wallets(http, urls[0], key, members)
            ledger = run(env, "verify-ledger")
        finally:
            for process in processes:
                process.stop()
        failures += _report(workload, members, wallets, recoveries, drain, ledger, smtp, await _queue(database_url))
        for process in processes:
            errors = [line for line in process.log_text().splitlines() if " ERROR " in line or "Traceback" in line]
            if errors:
                log(f"{process.name}: {len(errors)} ERROR/Traceback line(s) in its log, first: {errors[0][:200]}")
    if failures:
        log("FAILED: " + "; ".join(failures))
        log(f"logs kept in {folder}")
        return 1
    shutil.rmtree(folder, ignore_errors=True)
    log("soak passed")
    return 0


async def _sign_up(http: httpx.AsyncClient, url: str, key: str) -> list[Member]:
    members = []
    for number in range(MEMBERS + 1):
        variables = {"input": {"email": f"soak{number}@example.com", "password": "correct horse battery",
                               "displayName": f"Member {number}"}}
        answer = (await http.post(f"{url}/graphql", json={"query": SIGN_UP, "variables": variables})).json()
        gid = answer["data"]["signUp"]["member"]["id"]
        members.append(Member(0, gid))
    wallets = await _wallets(http, url, key, members)
    for member, (points, _) in zip(members, wallets):
        member.points = points  # the sign-up points: the model starts from them
        member.id = int(from_global_id(member.gid)[1])
    return members


async def _wallets(http: httpx.AsyncClient, url: str, key: str, members: list[Member]) -> list[tuple[int, int]]:
    found = []
    for member in members:
        answer = (await http.post(f"{url}/graphql", json={"query": WALLET, "variables": {"id": member.gid}},
                                  headers={"Authorization": f"Bearer {key}"})).json()
        wallet = answer["data"]["node"]["wallet"]
        found.append((wallet["points"], wallet["pendingPoints"]))
    return found


async def _faults(started: float, apis: list[Process], workers: list[Process], scheduler: Process,
                  redis: RedisServer, pg: PostgresServer, urls: list[str], workload: Workload,
                  database_url: str) -> dict[str, str]:
    """Each fault at its moment; returns how long the system took to recover from each."""
    recoveries: dict[str, str] = {}

    async def at(second: float) -> None:
        await asyncio.sleep(max(0.0, started + second - time.monotonic()))

    step = SECONDS / 7
    await at(step)
    log("SIGKILL api-0")
    apis[0].kill()
    killed = time.monotonic()
    apis[0].start()
    await wait_until(lambda: ready(urls[0]), 60, "api-0 back")
    recoveries["API process SIGKILL"] = f"{time.monotonic() - killed:.1f} s until a new process answered /readyz " \
                                        "(the other API served meanwhile)"

    await at(2 * step)
    log("SIGKILL worker-0")
    workers[0].kill()
    killed = time.monotonic()
    workers[0].start()
    await wait_until(lambda: _says(workers[0], "relaying the outbox", workers[0].starts), 60, "worker-0 back")
    recoveries["worker SIGKILL"] = f"{time.monotonic() - killed:.1f} s until a new worker consumed " \
                                   "(its pending messages are taken over after WORKER_RECLAIM_SECONDS=5)"

    await at(3 * step)
    log("SIGKILL scheduler")
    scheduler.kill()
    killed = time.monotonic()
    scheduler.start()
    await wait_until(lambda: _says(scheduler, "this scheduler is active", scheduler.starts), 60, "scheduler back")
    recoveries["scheduler SIGKILL"] = f"{time.monotonic() - killed:.1f} s until a new scheduler held the leadership"

    await at(4 * step)
    log("restarting Redis, empty")
    before = await _newest_event(database_url)
    redis.restart()
    restarted = time.monotonic()
    await wait_until(lambda: _both_ready(urls), 60, "APIs ready after the Redis restart")
    back = time.monotonic() - restarted
    await wait_until(lambda: _delivered_up_to(database_url, before), 240, "events from before the Redis restart")
    recoveries["Redis restart (no persistence)"] = (
        f"{back:.1f} s until both APIs were ready; {time.monotonic() - restarted:.1f} s until every event "
        "committed before it was delivered (relayed again after RELAY_RECHECK_SECONDS=5)")

    await at(5 * step)
    log("restarting PostgreSQL (immediate: a crash)")
    stopped = time.monotonic()
    await asyncio.to_thread(pg.stop, "immediate")
    probe = asyncio.create_task(workload.probe())  # a purchase sent while the database is down
    await asyncio.sleep(2)
    await asyncio.to_thread(pg.start)
    up = time.monotonic() - stopped
    await wait_until(lambda: _both_ready(urls), 60, "APIs ready after the PostgreSQL restart")
    ready_after = time.monotonic() - stopped
    answered = await probe - stopped
    recoveries["PostgreSQL restart (crash, 2 s down)"] = (
        f"server up again after {up:.1f} s; both APIs ready after {ready_after:.1f} s; "
        f"a purchase sent during the outage and retried was answered {answered:.1f} s after the stop")
    return recoveries


async def _says(process: Process, text: str, times: int) -> bool:
    return process.log_text().count(text) >= times


async def _both_ready(urls: list[str]) -> bool:
    return all([await ready(url) for url in urls])


async def _fetch(database_url: str, query: str, *args: object) -> object:
    conn = await asyncpg.connect(database_url, timeout=5)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


async def _newest_event(database_url: str) -> object:
    return await _fetch(database_url, "SELECT max(created_at) FROM outbox_events")


async def _delivered_up_to(database_url: str, moment: object) -> bool:
    return await _fetch(database_url, "SELECT count(*) FROM outbox_events WHERE delivered_at IS NULL "
                                      "AND created_at <= $1", moment) == 0


async def _all_delivered(database_url: str) -> bool:
    return await _fetch(database_url, "SELECT count(*) FROM outbox_events WHERE delivered_at IS NULL") == 0 and \
        await _fetch(database_url, "SELECT count(*) FROM notifications WHERE status = 'pending'") == 0


async def _queue(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(database_url, timeout=5)
    try:
        counts = {"events": await conn.fetchval("SELECT count(*) FROM outbox_events"),
                  "events delivered": await conn.fetchval(
                      "SELECT count(*) FROM outbox_events WHERE delivered_at IS NOT NULL")}
        for row in await conn.fetch("SELECT status, count(*) FROM notifications GROUP BY status ORDER BY status"):
            counts[f"notifications {row['status']}"] = row["count"]
        counts["email notifications"] = await conn.fetchval("SELECT count(*) FROM notifications WHERE channel = 'email'")
        return counts
    finally:
        await conn.close()


def _report(workload: Workload, members: list[Member], wallets: list[tuple[int, int]], recoveries: dict[str, str],
            drain: float, ledger: subprocess.CompletedProcess[str], smtp: SmtpReceiver,
            queue: dict[str, int]) -> list[str]:
    failures = []
    print("\n== HTTP attempts")
    for name, count in sorted(workload.counts.requests.items()):
        print(f"  {name:<32} {count}")
    print("== operations (definitive answers)")
    for name, count in sorted(workload.counts.operations.items()):
        print(f"  {name:<40} {count}")
    print(f"  distinct orders recorded                 {len(workload.orders)}")
    print("== recovery")
    for name, text in recoveries.items():
        print(f"  {name}: {text}")
    print(f"  queue drained {drain:.1f} s after the workload stopped")
    wrong = [(m.id, m.points, w) for m, w in zip(members, wallets) if (m.points, 0) != w]
    print("== wallets")
    print(f"  members {len(members)}; wallets equal to the model: {len(members) - len(wrong)}; "
          f"points held in all: {sum(w[0] for w in wallets)} (model {sum(m.points for m in members)})")
    if wrong:
        failures.append(f"{len(wrong)} wallet(s) differ from the model, e.g. {wrong[:3]}")
    print("== ledger")
    print(f"  {ledger.stdout.strip().splitlines()[-1] if ledger.stdout.strip() else ledger.stderr.strip()}")
    if ledger.returncode != 0:
        failures.append("verify-ledger found violations")
    print("== queue")
    for name, count in queue.items():
        print(f"  {name:<32} {count}")
    ids = Counter(message["Message-ID"] for message in smtp.messages)
    print(f"  emails received                  {len(smtp.messages)}")
    print(f"  distinct Message-IDs             {len(ids)}")
    print(f"  repeats (same id)                {len(smtp.messages) - len(ids)}")
    if queue["events"] != queue["events delivered"]:
        failures.append("not every event was delivered")
    if len(ids) != queue["email notifications"] or queue.get("notifications pending", 0):
        failures.append(f"{queue['email notifications']} email notifications but {len(ids)} distinct emails")
    if workload.counts.anomalies:
        print("== anomalies")
        for anomaly in workload.counts.anomalies[:20]:
            print(f"  {anomaly}")
        failures.append(f"{len(workload.counts.anomalies)} anomalies")
    print()
    return failures


def main() -> int:
    return asyncio.run(soak())


if __name__ == "__main__":
    sys.exit(main())
