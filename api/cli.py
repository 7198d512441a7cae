"""The `loyalty` command."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from loyalty import db
from loyalty.settings import get_settings

Command = Callable[[argparse.Namespace], Awaitable[int]]


async def _with_db(args: argparse.Namespace, work: Command, *, changes_members: bool = False) -> int:
    """Runs `work` with the database open. A command that `changes_members` also runs the
    after-commit hooks, so caches and live subscribers hear what it changed."""
    settings = get_settings()
    await db.init(settings)
    try:
        if not changes_members:
            return await work(args)
        from workers.hooks import installed_hooks

        async with installed_hooks(settings):
            return await work(args)
    finally:
        await db.close()


async def cmd_migrate(args: argparse.Namespace) -> int:
    await db.migrate(get_settings())
    await db.close()
    print("database schema is up to date")
    if getattr(args, "apply_program", False):
        args.file = str(get_settings().program_file)
        return await cmd_apply_program(args)
    return 0


async def cmd_apply_program(args: argparse.Namespace) -> int:
    from loyalty.program.spec import ProgramFileError
    from loyalty.program.store import apply_program_file

    async def work(_: argparse.Namespace) -> int:
        try:
            current, created = await apply_program_file(Path(args.file))
        except ProgramFileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return 1
        except UnicodeDecodeError:
            print(f"error: {args.file} is not UTF-8 text", file=sys.stderr)
            return 1
        what = "applied as version" if created else "unchanged: still version"
        print(f"program {current.program.program.name!r} {what} {current.version}")
        return 0

    return await _with_db(args, work)


async def cmd_create_api_key(args: argparse.Namespace) -> int:
    from loyalty.auth.api_keys import create_api_key, parse_scopes
    from loyalty.errors import LoyaltyError

    async def work(_: argparse.Namespace) -> int:
        try:
            row, key = await create_api_key(args.name, parse_scopes(args.scopes))
        except LoyaltyError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
        print(f"API key {row.prefix}… for {row.name!r} with scopes {row.scopes}.")
        print("Store it now: only its hash is kept, and it cannot be shown again.")
        print(key)
        return 0

    return await _with_db(args, work)


async def cmd_list_api_keys(args: argparse.Namespace) -> int:
    from loyalty.auth.api_keys import list_api_keys

    async def work(_: argparse.Namespace) -> int:
        rows = await list_api_keys(include_revoked=args.all)
        print(f"{'NAME':<24} {'PREFIX':<12} {'SCOPES':<40} {'CREATED':<20} {'LAST USED':<20} REVOKED")
        for row in rows:
            print(f"{row.name:<24} {row.prefix + '…':<12} {row.scopes:<40} {_when(row.created_at):<20} "
                  f"{_when(row.last_used_at):<20} {_when(row.revoked_at) if row.revoked_at else ''}".rstrip())
        print(f"{len(rows)} API key(s)")
        return 0

    return await _with_db(args, work)


def _when(moment) -> str:  # noqa: ANN001 - datetime | None
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment is not None else "never"


async def cmd_revoke_api_key(args: argparse.Namespace) -> int:
    from loyalty.auth.api_keys import revoke_api_keys_named

    async def work(_: argparse.Namespace) -> int:
        revoked = await revoke_api_keys_named(args.name)
        if not revoked:
            print(f"error: no API key named {args.name!r} that is not revoked already "
                  "(loyalty list-api-keys lists them)", file=sys.stderr)
            return 1
        print(f"revoked {revoked} API key(s) named {args.name!r}; they stop working within the "
              "API's key cache time")
        return 0

    return await _with_db(args, work)


def cmd_health_check(args: argparse.Namespace) -> int:
    """GET the URL; exit 0 on 200, else 1 with the answer (compose's health checks call it)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(args.url, timeout=args.timeout) as answer:  # noqa: S310 - an operator's URL
            return 0 if answer.status == 200 else 1
    except urllib.error.HTTPError as exc:
        print(f"{args.url}: {exc.code} {exc.read().decode(errors='replace')[:2000]}", file=sys.stderr)
    except (urllib.error.URLError, OSError) as exc:
        print(f"{args.url}: {getattr(exc, 'reason', exc)}", file=sys.stderr)
    return 1


async def cmd_run_job(args: argparse.Namespace) -> int:
    from datetime import datetime

    from loyalty import clock
    from loyalty.jobs import JOBS

    if args.now is not None:
        try:
            moment = datetime.fromisoformat(args.now)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            print("error: --now takes an ISO date-time with an offset, e.g. 2026-03-01T02:00:00+00:00",
                  file=sys.stderr)
            return 2
        clock.set_now(moment)

    async def work(_: argparse.Namespace) -> int:
        changed = await JOBS[args.name](clock.now())
        print(f"{args.name}: {changed} at {clock.now().isoformat()}")
        return 0

    return await _with_db(args, work, changes_members=True)


async def cmd_set_tier(args: argparse.Namespace) -> int:
    from datetime import date

    from loyalty import clock
    from loyalty.errors import LoyaltyError
    from loyalty.members.service import find_by_number
    from loyalty.audit.record import CLI
    from loyalty.program.store import load_current
    from loyalty.staff.operations import set_tier

    try:
        until = date.fromisoformat(args.until)
    except ValueError:
        print("error: --until takes a date, e.g. 2027-03-01", file=sys.stderr)
        return 2

    async def work(_: argparse.Namespace) -> int:
        current = await load_current()
        if current is None:
            print("error: no program is stored yet (use loyalty apply-program)", file=sys.stderr)
            return 1
        member = await find_by_number(args.member_number)
        if member is None:
            print(f"error: no member with number {args.member_number}", file=sys.stderr)
            return 1
        try:
            await set_tier(current.program, CLI, member.id, args.level, until, args.reason, clock.now())
        except LoyaltyError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
        name = current.program.tier_level(args.level).name
        print(f"member {member.member_number} holds {name} until {until.isoformat()}, when it lapses")
        return 0

    return await _with_db(args, work, changes_members=True)


async def cmd_verify_ledger(args: argparse.Namespace) -> int:
    from loyalty.ledger.verify import verify_ledger

    async def work(_: argparse.Namespace) -> int:
        violations = await verify_ledger()
        for violation in violations:
            print(violation)
        print(f"verify-ledger: {len(violations)} violation(s)" if violations else "verify-ledger: the ledger is consistent")
        return 1 if violations else 0

    return await _with_db(args, work)


async def cmd_cancel_reward(args: argparse.Namespace) -> int:
    from loyalty import clock
    from loyalty.audit.record import CLI
    from loyalty.errors import LoyaltyError
    from loyalty.staff.operations import cancel_reward

    async def work(_: argparse.Namespace) -> int:
        try:
            row = await cancel_reward(CLI, args.code, args.reason, clock.now())
        except LoyaltyError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
        print(f"reward {row.code} ({row.reward_name}) canceled; {row.points} points returned to the member")
        return 0

    return await _with_db(args, work, changes_members=True)


async def cmd_report(args: argparse.Namespace) -> int:
    from loyalty.errors import LoyaltyError
    from loyalty.ledger.expiry import current_program
    from loyalty.reports import table
    from loyalty.reports.build import program_report
    from loyalty.reports.period import parse_moment

    async def work(_: argparse.Namespace) -> int:
        program = await current_program()
        try:
            starts_at = parse_moment(program, args.starts, "from")
            ends_at = parse_moment(program, args.ends, "to")
            report = await program_report(program, starts_at, ends_at, args.brand)
        except LoyaltyError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
        sys.stdout.write(table.to_csv(report) if args.csv else table.to_text(report))
        return 0

    return await _with_db(args, work)


async def cmd_export_schema(args: argparse.Namespace) -> int:
    from schema.schema import export_sdl

    sys.stdout.write(export_sdl())
    return 0


def cmd_export_wallet(args: argparse.Namespace) -> int:
    from api.wallet.export import export_page

    try:
        folder = export_page(Path(args.out), args.api_url, title=args.title, locale=args.locale,
                             logo_url=args.logo_url)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"the wallet page is in {folder}: serve {folder}/index.html for every address under /wallet/")
    return 0


async def cmd_worker(args: argparse.Namespace) -> int:
    import signal

    from workers.main import run_worker

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    async def work(_: argparse.Namespace) -> int:
        from loyalty.schedule import ScheduleError

        from loyalty import tracing

        tracing.setup(get_settings(), "worker")
        try:
            await run_worker(get_settings(), stop, with_scheduler=args.with_scheduler)
        except ScheduleError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        finally:
            tracing.shutdown()
        return 0

    return await _with_db(args, work)


async def cmd_notifications(args: argparse.Namespace) -> int:
    from loyalty.notifications import delivery
    from loyalty.notifications.channels.configured import from_settings

    async def work(_: argparse.Namespace) -> int:
        if args.retry is not None:
            revived = await delivery.revive(args.retry)
            if revived is None:
                print(f"error: no dead notification with id {args.retry}", file=sys.stderr)
                return 1
            settings = get_settings()
            channels = from_settings(settings)
            try:
                status = await delivery.deliver(revived.id, channels, delivery.policy_from(settings))
            finally:
                await channels.close()
            print(f"{revived.id}: {status or 'pending'}")
            return 0
        rows = await delivery.failed()
        for row in rows:
            print(f"{row.id}  {row.created_at.isoformat(timespec='seconds')}  {row.topic}  {row.channel}  "
                  f"member {row.member_id}  {row.attempts} attempt(s)  {row.last_error or ''}")
        print(f"{len(rows)} dead notification(s)")
        return 0

    return await _with_db(args, work)


async def cmd_webhooks(args: argparse.Namespace) -> int:
    from loyalty.webhooks import delivery
    from loyalty.webhooks.listing import deliveries_page
    from loyalty.webhooks.models import DEAD

    async def work(_: argparse.Namespace) -> int:
        if args.retry is not None:
            revived = await delivery.revive(args.retry, "cli")
            if revived is None:
                print(f"error: no dead delivery of a registered webhook with id {args.retry}", file=sys.stderr)
                return 1
            settings = get_settings()
            sender = delivery.sender_from(settings)
            try:
                status = await delivery.deliver(revived.id, sender, delivery.policy_from(settings))
            finally:
                await sender.close()
            print(f"{revived.id}: {status or 'pending'}")
            return 0
        rows = (await deliveries_page(DEAD, None, 100, None)).items
        for row in rows:
            print(f"{row.id}  {row.created_at.isoformat(timespec='seconds')}  {row.topic}  webhook {row.webhook_id}  "
                  f"event {row.event_id}  {row.attempts} attempt(s)  {row.last_error or ''}")
        print(f"{len(rows)} dead webhook delivery(ies)")
        return 0

    return await _with_db(args, work)


def _metrics_folder_for(workers: int) -> None:
    """With more than one worker process, their metrics are added up from files in
    PROMETHEUS_MULTIPROC_DIR (a new temporary folder unless it is set; emptied on start)."""
    import atexit
    import os
    import shutil
    import tempfile

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
        return
    if workers > 1:
        made = tempfile.mkdtemp(prefix="loyalty-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
        atexit.register(shutil.rmtree, made, True)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from loyalty.auth.keys import KeyConfigError, load_signing_key

    settings = get_settings()
    try:
        load_signing_key(settings)  # refuse to start with unusable keys, before forking workers
    except KeyConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.no_migrate:
        asyncio.run(cmd_migrate(args))
    if args.demo_data:
        from api.demo import seed_demo_data

        asyncio.run(seed_demo_data(settings))
    from api.connections import GuardedHttpToolsProtocol, raise_open_files_limit
    from loyalty import logs

    raise_open_files_limit(settings.max_connections)
    _metrics_folder_for(args.workers)
    # uvicorn applies log_config in each of its worker processes too; loyalty.access logs
    # the requests, with their fields, in place of uvicorn's access log.
    level = (args.log_level or settings.log_level).lower()
    # A worker process is given a minute to start answering its supervisor (importing the app
    # on a busy machine takes longer than uvicorn's default of 5 s, which kills it mid-import).
    import inspect

    patience: dict[str, Any] = {"timeout_worker_healthcheck": 60} if "timeout_worker_healthcheck" in inspect.signature(
        uvicorn.Config).parameters else {}
    uvicorn.run(
        "api.app:create_app", factory=True, host=args.host, port=args.port,
        workers=args.workers, proxy_headers=False, log_level=level, access_log=False,
        log_config=logs.config(settings, level), server_header=False,
        http=GuardedHttpToolsProtocol, timeout_keep_alive=settings.keep_alive_seconds,
        backlog=4096, **patience,
    )
    return 0


async def cmd_scheduler(args: argparse.Namespace) -> int:
    import signal

    from loyalty.schedule import ScheduleError
    from workers.scheduler import run_scheduler

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    from loyalty import tracing

    tracing.setup(get_settings(), "scheduler")
    try:
        await run_scheduler(get_settings(), stop)
    except ScheduleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        tracing.shutdown()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loyalty", description="The loyalty platform.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API (migrates the database first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default=None, help="debug, info, warning or error (default: LOG_LEVEL, info)")
    serve.add_argument("--no-migrate", action="store_true", help="do not migrate before serving")
    serve.add_argument("--demo-data", action="store_true",
                       help="create a demo member and API key on first start (development only)")
    serve.set_defaults(sync=cmd_serve)

    migrate = sub.add_parser("migrate", help="bring the database schema up to date")
    migrate.add_argument("--apply-program", action="store_true",
                         help="then apply PROGRAM_FILE (a new version only when it changed)")
    migrate.set_defaults(run=cmd_migrate)

    apply = sub.add_parser("apply-program", help="validate a program file and store it as the next version")
    apply.add_argument("file")
    apply.set_defaults(run=cmd_apply_program)

    key = sub.add_parser("create-api-key", help="create an API key; prints it alone on the last line")
    key.add_argument("--name", required=True)
    key.add_argument("--scopes", required=True, help="comma-separated: purchases:write,members:read,visits:write,payments:write,staff:write,admin")
    key.set_defaults(run=cmd_create_api_key)

    keys = sub.add_parser("list-api-keys", help="list the API keys: name, prefix, scopes, created, last used (never the key)")
    keys.add_argument("--all", action="store_true", help="revoked keys too")
    keys.set_defaults(run=cmd_list_api_keys)

    revoke = sub.add_parser("revoke-api-key", help="revoke every API key with this name")
    revoke.add_argument("name")
    revoke.set_defaults(run=cmd_revoke_api_key)

    health = sub.add_parser("health-check", help="exit 0 when the URL answers 200 (for container health checks)")
    health.add_argument("url", nargs="?", default="http://127.0.0.1:8000/readyz")
    health.add_argument("--timeout", type=float, default=4.0)
    health.set_defaults(sync=cmd_health_check)

    sub.add_parser("export-schema", help="print the GraphQL schema (SDL)").set_defaults(run=cmd_export_schema)

    wallet = sub.add_parser("export-wallet", help="write the wallet page for a host on another origin of the same site")
    wallet.add_argument("out", help="the folder to write wallet/ into")
    wallet.add_argument("--api-url", required=True, help="the API's origin, e.g. https://api.brand.example")
    wallet.add_argument("--title", default="Wallet", help="the document's title until the page loads")
    wallet.add_argument("--locale", default="en")
    wallet.add_argument("--logo-url", help="an https:// logo the page may show (its origin is allowed)")
    wallet.set_defaults(sync=cmd_export_wallet)

    from loyalty.jobs import JOBS

    job = sub.add_parser("run-job", help="run one scheduled job now")
    job.add_argument("name", choices=sorted(JOBS))
    job.add_argument("--now", help="the moment to run it for (ISO date-time with offset); default: now")
    job.set_defaults(run=cmd_run_job)

    tier = sub.add_parser("set-tier", help="set a member's tier until a date, when it lapses")
    tier.add_argument("member_number")
    tier.add_argument("level", help="a tier code of the program, e.g. gold")
    tier.add_argument("--until", required=True, help="the date it lapses (YYYY-MM-DD, in the program's time zone)")
    tier.add_argument("--reason", help="why, for the audit log")
    tier.set_defaults(run=cmd_set_tier)

    cancel = sub.add_parser("cancel-reward", help="cancel an issued reward by its code and return its points")
    cancel.add_argument("code")
    cancel.add_argument("--reason", help="why, for the audit log")
    cancel.set_defaults(run=cmd_cancel_reward)

    sub.add_parser("scheduler", help="run the daily jobs at their times (one active scheduler at a time)"
                   ).set_defaults(run=cmd_scheduler)

    from loyalty.ledger.verify import RECONCILED, RULES

    sub.add_parser(
        "verify-ledger", help="check every ledger rule over the whole database; exit 1 on a violation",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Checks these rules over the whole database (numbered as the ledger's rules in\n"
        "docs/ledger.md), prints each violation with the ids of the rows that break it, and\n"
        "exits 1 on a violation, 0 when the ledger is consistent:\n\n" + "\n".join(f"  {rule}" for rule in RULES)
        + "\n\nand that what is kept beside the transfers adds up to them:\n\n"
        + "\n".join(f"  {check}" for check in RECONCILED),
    ).set_defaults(run=cmd_verify_ledger)
    report = sub.add_parser("report", help="the program's figures over a period, from the ledger")
    report.add_argument("--from", dest="starts", required=True,
                        help="the period's start: YYYY-MM-DD (midnight in the program's time zone) or a date-time with offset")
    report.add_argument("--to", dest="ends", required=True, help="the period's end, excluded; as --from")
    report.add_argument("--brand", help="narrow the flows and active members to one brand's purchases")
    report.add_argument("--csv", action="store_true", help="print CSV: figure,item,value,currency")
    report.set_defaults(run=cmd_report)

    worker = sub.add_parser("worker", help="relay outbox events and deliver notifications")
    worker.add_argument("--with-scheduler", action="store_true", help="run the scheduler in this process too")
    worker.set_defaults(run=cmd_worker)

    notifications = sub.add_parser("notifications", help="list dead notifications or retry one")
    which = notifications.add_mutually_exclusive_group(required=True)
    which.add_argument("--failed", action="store_true", help="list the notifications that gave up (dead letters)")
    which.add_argument("--retry", metavar="ID", help="send a dead notification again, with fresh attempts")
    notifications.set_defaults(run=cmd_notifications)

    webhooks = sub.add_parser("webhooks", help="list dead webhook deliveries or retry one")
    hooks = webhooks.add_mutually_exclusive_group(required=True)
    hooks.add_argument("--failed", action="store_true", help="list the deliveries that gave up (dead letters)")
    hooks.add_argument("--retry", metavar="ID", type=int, help="post a dead delivery again, with fresh attempts")
    webhooks.set_defaults(run=cmd_webhooks)
    return parser


def _configure_logging() -> None:
    from pydantic import ValidationError

    from loyalty import logs

    try:
        logs.configure(get_settings())
    except ValidationError:  # the command reports the bad settings itself
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: list[str] | None = None) -> int:
    _configure_logging()
    args = build_parser().parse_args(argv)
    if hasattr(args, "sync"):
        return args.sync(args)
    return asyncio.run(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
