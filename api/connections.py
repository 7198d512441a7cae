"""Slow clients at the socket: a deadline for each request's headers, and a cap on open
connections that drops the oldest connection still sending its headers before it refuses
anyone. uvicorn has neither: it waits for headers as long as a client trickles them, and its
limit_concurrency answers 503 to real requests once slow connections fill it.

Passed to uvicorn as its HTTP protocol (httptools, uvicorn's own default when installed)."""
from __future__ import annotations

import asyncio
import resource
from collections import OrderedDict
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from loyalty.settings import get_settings


class _Waiting:
    """Open connections, and those among them still sending headers, oldest first."""

    def __init__(self) -> None:
        self.open = 0
        self.in_headers: OrderedDict[GuardedHttpToolsProtocol, None] = OrderedDict()


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    header_timeout_seconds: float | None = None  # read from the settings when None
    max_connections: int | None = None
    _state = _Waiting()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        cls = type(self)
        self.header_timeout = cls.header_timeout_seconds or settings.header_timeout_seconds
        self.connection_cap = cls.max_connections or settings.max_connections
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        state = self._state
        state.open += 1
        if state.open > self.connection_cap:
            if state.in_headers:
                oldest, _ = state.in_headers.popitem(last=False)
                oldest._drop()
            else:
                self._drop()
                return
        self._await_headers()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_deadline is None:  # the next request on a kept-alive connection
            self._await_headers()

    def on_headers_complete(self) -> None:
        self._headers_done()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_done()
        self._state.open -= 1
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self._header_deadline = self.loop.call_later(self.header_timeout, self._drop)
        self._state.in_headers[self] = None

    def _headers_done(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None
        self._state.in_headers.pop(self, None)

    def _drop(self) -> None:
        self._headers_done()
        if not self.transport.is_closing():
            self.transport.close()


def raise_open_files_limit(connections: int) -> int:
    """Each connection holds a file descriptor: the soft limit is raised toward what the
    connection cap needs (plus room for the database pool, Redis and logs), up to the hard
    limit. Returns the soft limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 1024
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft
