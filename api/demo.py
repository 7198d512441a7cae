"""Demo data for trying the API on a development machine: one member and one shop key."""
from __future__ import annotations

import os

from loyalty import db
from loyalty.auth.api_keys import authenticate_api_key, create_api_key
from loyalty.auth.passwords import Passwords
from loyalty.members import service as members
from loyalty.members.joining import join
from loyalty.program.store import apply_program_file
from loyalty.settings import Settings

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"
KEY_FILE = "demo-api-key.txt"


async def seed_demo_data(settings: Settings) -> None:
    if settings.production:
        raise SystemExit("refusing to create demo data with LOYALTY_ENV=production")
    await db.init(settings)
    try:
        current, _ = await apply_program_file(settings.program_file)
        if await members.find_by_email(DEMO_EMAIL) is None:
            passwords = Passwords(
                memory_kib=settings.password_hash_memory_kib, time_cost=settings.password_hash_time_cost
            )
            await join(members.NewMember(DEMO_EMAIL, DEMO_PASSWORD, "Demo Member"), passwords, current.program)
        key_path = settings.data_dir / KEY_FILE
        key = key_path.read_text().strip() if key_path.exists() else ""
        if not key or await authenticate_api_key(key) is None:
            _, key = await create_api_key("demo shop", frozenset({"admin"}))
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(key + "\n")
        member = await members.find_by_email(DEMO_EMAIL)
        assert member is not None, "the demo member was just made"
    finally:
        await db.close()
    print(
        f"Demo data: member {DEMO_EMAIL} / {DEMO_PASSWORD} (number {member.member_number}); "
        f"shop API key (scope admin) in {key_path}: {key}"
    )
