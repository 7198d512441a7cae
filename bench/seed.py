"""Seeding through the domain, in this process (inside `harness.domain`)."""
from __future__ import annotations

from loyalty.auth.api_keys import create_api_key
from loyalty.auth.keys import load_signing_key
from loyalty.auth.tokens import TokenService
from loyalty.members import service as members
from loyalty.program.spec import Program
from loyalty.program.store import apply_program_file
from loyalty.settings import Settings

# Nobody logs in during a benchmark: members get a placeholder instead of a password hash.
NO_PASSWORD = "bench-no-password"


async def apply_program(settings: Settings) -> Program:
    """The program file, applied as the servers would apply it on start."""
    current, _ = await apply_program_file(settings.program_file)
    return current.program


async def create_members(count: int, *, label: str = "member") -> list[int]:
    ids = []
    for n in range(count):
        data = members.validate_new_member(
            members.NewMember(f"{label}-{n}@bench.example", "x" * 12, f"Bench {label} {n}"), "en"
        )
        ids.append((await members.create_member(data, NO_PASSWORD)).id)
    return ids


async def shop_api_key(*scopes: str) -> str:
    _, key = await create_api_key("bench shop", frozenset(scopes))
    return key


def member_token(settings: Settings, member_id: int) -> str:
    """An access token for the member, signed with the key the servers load (the development
    key in DATA_DIR, which this call creates when it is not there yet)."""
    tokens = TokenService(
        load_signing_key(settings), issuer=settings.jwt_issuer, audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    return tokens.issue(member_id).token
