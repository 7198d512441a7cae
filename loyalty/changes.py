"""Member changes and what follows their commit.

Every operation that changes what a member sees (their wallet, tier, rewards, donations)
runs inside `member_change()`: one database transaction in which program accounts are
updated last (see `ledger.book.program_accounts_last`), and which remembers the members it
touched. Once the transaction has committed, the functions registered with `after_commit`
are called with those member ids (cache invalidation, live updates). They are never called
for a transaction that rolled back, and a failure in one of them does not undo the commit.

`outbox.emit` marks its member as touched; code that changes a member without emitting an
event calls `touch` itself. Set-based jobs run in `set_based_change()`: the members they
report (`outbox.emit_per_row` reports the member of every event it writes) reach the same
hooks once the job's transaction has committed.

Other processes hear of every committed change too: on PostgreSQL the transaction names its
members in a notification that is delivered at commit (`loyalty.change_feed`); on SQLite they
notice that the database changed (`loyalty.sqlite_changes`).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextvars import ContextVar

from tortoise.transactions import in_transaction

from loyalty import change_feed, faults
from loyalty.ledger import book

log = logging.getLogger(__name__)

AfterCommit = Callable[[frozenset[int]], Awaitable[None]]

_touched: ContextVar[set[int] | None] = ContextVar("touched_members", default=None)
_collected: ContextVar[set[int] | None] = ContextVar("collected_members", default=None)
_hooks: list[AfterCommit] = []
_running: set[asyncio.Future[None]] = set()
_deadline_seconds = 2.0


def after_commit(hook: AfterCommit) -> AfterCommit:
    """Registers `hook` to run after every committed member change (idempotent)."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def has_hooks() -> bool:
    """Whether this process already has after-commit hooks (an API runtime registers its own)."""
    return bool(_hooks)


def remove_hook(hook: AfterCommit) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def touch(member_ids: int | Iterable[int] | None) -> None:
    """Marks members as changed by the current `member_change()` block (no-op outside one)."""
    if member_ids is None:
        return
    ids = {member_ids} if isinstance(member_ids, int) else set(member_ids)
    for current in (_touched.get(), _collected.get()):
        if current is not None:
            current.update(ids)


@contextlib.asynccontextmanager
async def member_change() -> AsyncIterator[None]:
    """One transaction for a member operation; nested blocks join the outer one."""
    if _touched.get() is not None:
        yield
        return
    touched: set[int] = set()
    token = _touched.set(touched)
    try:
        async with in_transaction():
            async with book.program_accounts_last():
                yield
            await change_feed.announce(touched)  # delivered to other processes at commit
    finally:
        _touched.reset(token)
    if touched:
        await committed(touched)


def set_deadline(seconds: float) -> None:
    """The most that the after-commit hooks of one change may keep its caller waiting."""
    global _deadline_seconds
    _deadline_seconds = seconds


async def _run_hooks(ids: frozenset[int], hooks: list[AfterCommit]) -> None:
    for hook in hooks:
        try:
            await hook(ids)
        except Exception as exc:  # noqa: BLE001 - the change is committed; a hook must not undo it
            if faults.is_unavailable(exc):
                log.warning("after-commit hook %r failed: %s", hook, faults.describe(exc))
            else:
                log.exception("after-commit hook %r failed", hook)


async def committed(member_ids: Iterable[int]) -> None:
    """Runs the after-commit hooks for `member_ids` (also called by the outbox relay for
    changes made elsewhere). They get the deadline of `set_deadline` in all: hooks still
    running then (a hung Redis) go on in the background, and the caller, whose change is
    committed, is not kept waiting."""
    ids = frozenset(member_ids)
    if not _hooks:
        return
    task = asyncio.ensure_future(_run_hooks(ids, list(_hooks)))
    _running.add(task)
    task.add_done_callback(_running.discard)
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=_deadline_seconds)
    except asyncio.TimeoutError:
        log.warning("after-commit hooks for %d member(s) passed their %ss deadline; they go on in the background",
                    len(ids), _deadline_seconds)


@contextlib.asynccontextmanager
async def set_based_change() -> AsyncIterator[None]:
    """One transaction for a job that changes any number of members in a few statements.
    The members it reports (`touch`, `outbox.emit_per_row`) are passed to the after-commit
    hooks once it has committed; inside `collecting()` they are handed to that block."""
    outer = _collected.get()
    ids: set[int] = set()
    token = _collected.set(ids)
    try:
        async with in_transaction():
            yield
            if _touched.get() is None:  # else the enclosing member change announces them
                await change_feed.announce(ids)
    finally:
        _collected.reset(token)
    if outer is not None:
        outer.update(ids)
    elif ids:
        await committed(ids)


@contextlib.asynccontextmanager
async def collecting() -> AsyncIterator[set[int]]:
    """Gathers the members reported by the committed set-based changes inside the block and
    runs the after-commit hooks for them once, when the block ends."""
    outer = _collected.get()
    if outer is not None:
        yield outer
        return
    ids: set[int] = set()
    token = _collected.set(ids)
    try:
        yield ids
    finally:
        _collected.reset(token)
        if ids:
            await committed(ids)
