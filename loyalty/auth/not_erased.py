"""Members this process has seen not erased, so that an access token's check does not read the
member's row on every request.

An entry is kept for at most `ttl_seconds` and dropped as soon as a change to its member is
heard: after this process's own commits (`changes.after_commit`) and, from other processes,
through the change feed (PostgreSQL). It is used only while the feed listens: before the feed
is up, after it is lost, and on SQLite (where the read is in-process and cheap) every check
reads the row. Before trusting an entry, the check waits until the feed has heard every change
committed before it (one round trip on the feed's connection, shared by the requests waiting
at that moment, as the cache does), so an erasure committed by any process refuses the
member's tokens from its commit on.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable

TTL_SECONDS = 60.0
MAX_ENTRIES = 100_000


class NotErased:
    def __init__(self, ttl_seconds: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES):
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._seen: OrderedDict[int, float] = OrderedDict()
        self.listening = False
        self._changes = 0  # changes heard so far: a read that a change overtook is not kept
        self.caught_up: Callable[[], Awaitable[bool]] | None = None  # set with the change feed

    def mark(self) -> int | None:
        """Taken before reading the row: None when nothing read now could be kept."""
        return self._changes if self.listening else None

    async def holds(self, member_id: int) -> bool:
        """Whether the member was seen not erased, recently, and no change to them committed
        before this call has been heard since (the feed's round trip: `ChangeFeed.caught_up`)."""
        if not self.listening or self.caught_up is None:
            return False
        seen_at = self._seen.get(member_id)
        if seen_at is None:
            return False
        if time.monotonic() - seen_at > self.ttl_seconds:
            del self._seen[member_id]
            return False
        if not await self.caught_up():
            return False
        return member_id in self._seen and self.listening

    def saw(self, member_id: int, mark: int | None) -> None:
        """The member's row, read after `mark()`, said: not erased. Kept only if no change
        was heard since the mark."""
        if mark is None or mark != self._changes or not self.listening:
            return
        self._seen[member_id] = time.monotonic()
        self._seen.move_to_end(member_id)
        while len(self._seen) > self.max_entries:
            self._seen.popitem(last=False)

    def forget(self, member_ids: Iterable[int]) -> None:
        self._changes += 1
        for member_id in member_ids:
            self._seen.pop(member_id, None)

    async def hook(self, member_ids: frozenset[int]) -> None:
        """After this process's commit."""
        self.forget(member_ids)

    def lost(self) -> None:
        """The change feed stopped listening: nothing seen can be trusted from now on."""
        self.listening = False
        self._changes += 1
        self._seen.clear()

    def resumed(self) -> None:
        """The change feed listens (again): what was seen before is taken as changed."""
        self._changes += 1
        self._seen.clear()
        self.listening = True


seen = NotErased()
