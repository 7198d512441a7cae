"""Program versions: applying a program file stores a new version; nothing past is rewritten."""
from __future__ import annotations

import hashlib
import logging
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty import clock
from loyalty.audit.record import CLI, Actor, record
from loyalty.ledger.accounts import ensure_program_accounts
from loyalty.program.models import ProgramVersion
from loyalty.program.spec import Program, ProgramSettings, parse_program
from loyalty.tiers import totals

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CurrentProgram:
    version: int
    checksum: str
    program: Program

    def __post_init__(self) -> None:
        # The program this process now serves: its time zone is the one the tier totals count days in.
        totals.follow(self.program.program.zone)


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def latest_version() -> ProgramVersion | None:
    return await ProgramVersion.all().order_by("-version").first()


def _changed_sections(before: str, after: str) -> list[str]:
    """The top-level sections (and keys) of the program file that differ between two versions."""
    try:
        old, new = tomllib.loads(before), tomllib.loads(after)
    except tomllib.TOMLDecodeError:
        return []
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))


def _name_in(text: str) -> str | None:
    try:
        name = tomllib.loads(text).get("program", {}).get("name")
    except (tomllib.TOMLDecodeError, AttributeError):
        return None
    return name if isinstance(name, str) else None


def _version_summary(version: int, checksum: str, name: str | None) -> dict[str, object]:
    return {"version": version, "checksum": checksum, "name": name}


async def apply_program(text: str, source: str, actor: Actor = CLI) -> tuple[CurrentProgram, bool]:
    """Validates and stores the file as the next version, with its audit entry (by `actor`).
    Returns (current, whether a new version was stored); the same text as the latest version
    stores nothing."""
    program = parse_program(text, source)
    checksum = _checksum(text)
    # Committed before the version that books against them: never inside a member's transaction.
    await ensure_program_accounts(charity.code for charity in program.charities)
    for _ in range(3):
        latest = await latest_version()
        if latest is not None and latest.checksum == checksum:
            return CurrentProgram(latest.version, checksum, program), False
        version = (latest.version if latest else 0) + 1
        try:
            async with in_transaction():
                await ProgramVersion.create(
                    version=version, checksum=checksum, source=text, applied_at=clock.now()
                )
                before = None
                if latest is not None:
                    before = _version_summary(latest.version, latest.checksum, _name_in(latest.source))
                after = {**_version_summary(version, checksum, program.program.name), "source": source,
                         "changed": _changed_sections(latest.source if latest else "", text)}
                await record(actor, "program.apply", None, None, before, after)
        except IntegrityError:
            continue  # another process applied a version at the same moment
        log.info("applied program %r from %s as version %d", program.program.name, source, version)
        return CurrentProgram(version, checksum, program), True
    raise RuntimeError("could not store the program version: too many concurrent applies")


async def apply_program_file(path: Path, actor: Actor = CLI) -> tuple[CurrentProgram, bool]:
    return await apply_program(Path(path).read_text(encoding="utf-8"), str(path), actor)


async def load_current() -> CurrentProgram | None:
    latest = await latest_version()
    if latest is None:
        return None
    program = parse_program(latest.source, f"program version {latest.version}")
    return CurrentProgram(latest.version, latest.checksum, program)


class ProgramHolder:
    """The program this process serves, reloaded when a newer version is stored: every
    process picks up `loyalty apply-program` within `check_seconds`."""

    def __init__(self, current: CurrentProgram, check_seconds: float = 30.0):
        self.current = current
        self._check_seconds = check_seconds
        self._next_check = time.monotonic() + check_seconds

    async def reload_if_due(self) -> None:
        if time.monotonic() < self._next_check:
            return
        self._next_check = time.monotonic() + self._check_seconds
        await self.reload_if_changed()

    @property
    def program(self) -> Program:
        return self.current.program

    @property
    def settings(self) -> ProgramSettings:
        """The program's own settings (name, currency, minor units, zone): `program.program`."""
        return self.current.program.program

    async def reload_if_changed(self) -> bool:
        latest = await latest_version()
        if latest is None or latest.version == self.current.version:
            return False
        self.current = await load_current() or self.current
        return True
