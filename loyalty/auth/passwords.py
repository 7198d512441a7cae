"""Password hashing with argon2id, off the event loop."""
from __future__ import annotations

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10
# Longer inputs only cost hashing time; no real password is this long.
MAX_PASSWORD_LENGTH = 1024


class Passwords:
    def __init__(self, *, memory_kib: int = 65536, time_cost: int = 3, parallelism: int = 1):
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        # Verified against when the email is unknown, so that both paths take as long.
        self._decoy = self._hasher.hash("decoy password that matches nothing")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(password_hash or self._decoy, password)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check) and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
