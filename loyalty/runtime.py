"""Everything a running process shares, built once from the settings."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from loyalty import changes, sql
from loyalty.auth import not_erased
from loyalty.auth.keys import load_signing_key
from loyalty.auth.login import MemberAuth
from loyalty.auth.passwords import Passwords
from loyalty.auth.sessions import Sessions
from loyalty.auth.throttle import AccountLimits
from loyalty.auth.tokens import TokenService
from loyalty.cache import Cache, build_cache
from loyalty.change_feed import ChangeFeed, Listener, connect_like_the_pool
from loyalty.ledger.accounts import ensure_program_accounts
from loyalty.purchases import fast
from loyalty.live import LiveUpdates
from loyalty.audit.record import Actor
from loyalty.program.store import ProgramHolder, apply_program_file, load_current
from loyalty.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from loyalty.redis_client import DeploymentRedis
from loyalty.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    tokens: TokenService
    auth: MemberAuth
    limiter: RateLimiter
    program: ProgramHolder
    redis: DeploymentRedis | None = None
    cache: Cache | None = None
    live: LiveUpdates | None = None
    feed: ChangeFeed | None = None

    async def close(self) -> None:
        if self.feed is not None:
            await self.feed.close()
        if self.cache is not None:
            changes.remove_hook(self.cache.hook)
            await self.cache.close()
        if self.live is not None:
            changes.remove_hook(self.live.hook)
            await self.live.close()
        if self.redis is not None:
            await self.redis.aclose()


# Who applies the PROGRAM_FILE when a process starts, in the audit log.
STARTUP = Actor("startup")


async def load_program(settings: Settings) -> ProgramHolder:
    """The stored program; in development (or on a database that has none yet) the
    PROGRAM_FILE is applied first when it differs from the latest version."""
    current = await load_current()
    if current is None or not settings.production:
        current, created = await apply_program_file(settings.program_file, STARTUP)
        if created:
            log.info("program version %d applied from %s", current.version, settings.program_file)
    return ProgramHolder(current)


async def build_runtime(settings: Settings) -> Runtime:
    key = load_signing_key(settings)
    tokens = TokenService(
        key, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    redis = None
    limiter: RateLimiter = MemoryRateLimiter()
    if settings.redis_url:
        from loyalty.redis_client import connect

        redis = connect(settings)
        limiter = RedisRateLimiter(redis)
    passwords = Passwords(
        memory_kib=settings.password_hash_memory_kib, time_cost=settings.password_hash_time_cost
    )
    sessions = Sessions(
        tokens, refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
        grace_seconds=settings.refresh_reuse_grace_seconds,
    )
    auth = MemberAuth(
        passwords=passwords, sessions=sessions, limiter=limiter, limits=AccountLimits.from_settings(settings),
        verification_ttl_seconds=settings.email_verification_ttl_seconds,
        reset_ttl_seconds=settings.password_reset_ttl_seconds,
    )
    changes.set_deadline(settings.after_commit_timeout_seconds)
    fast.enable(settings.fast_purchases)
    program = await load_program(settings)
    await ensure_program_accounts(charity.code for charity in program.program.charities)
    cache, live, feed = await _coherent_cache_and_live(settings, redis)
    changes.after_commit(not_erased.seen.hook)  # first: an erased member's next request is refused
    # Cache next: a subscriber told of a change must read the new state.
    if cache is not None:
        changes.after_commit(cache.hook)
    changes.after_commit(live.hook)
    return Runtime(
        settings=settings, tokens=tokens, auth=auth, limiter=limiter, program=program, redis=redis,
        cache=cache, live=live, feed=feed,
    )


async def _coherent_cache_and_live(
    settings: Settings, redis: object | None,
) -> tuple[Cache | None, LiveUpdates, ChangeFeed | None]:
    """The cache and live updates, told of other processes' changes: on PostgreSQL by the
    change feed (the cache serves only while it listens; live updates use it without Redis),
    on SQLite by `PRAGMA data_version` (docs/caching.md)."""
    postgres = sql.is_postgres()
    guard = None
    if not postgres:
        from loyalty.sqlite_changes import DataVersion

        guard = DataVersion().changed
    cache = build_cache(settings, redis, needs_feed=postgres, guard=guard)
    live = LiveUpdates(redis)
    listeners = []
    if postgres and cache is not None:
        listeners.append(Listener(cache.heard, cache.feed_lost, cache.feed_resumed))
    if postgres and redis is None:
        listeners.append(Listener(live.heard, live.feed_lost, live.feed_resumed))
    if postgres:
        listeners.append(Listener(not_erased.seen.forget, not_erased.seen.lost, not_erased.seen.resumed))
    feed = None
    if listeners:
        feed = ChangeFeed(connect_like_the_pool(), listeners)
        if cache is not None:
            cache.caught_up = feed.caught_up
        not_erased.seen.caught_up = feed.caught_up
        await feed.start()
    return cache, live, feed
