"""Running a test against a program other than the shipped demo.

`use_program(runtime, text)` stores `text` as the next program version and makes the
runtime serve it. `demo_text(**changes)` is the demo file with keys of its [bonuses] table
set or removed (None removes), e.g. `demo_text(new_member_multiplier=None, new_member_days=None)`
for a demo without the new-member bonus. `demo_at_base_rate()` also gives every tier a points
multiplier of 1: the ledger's tests count points at the base rate, whatever tier a member reaches.
"""
from __future__ import annotations

import re

from loyalty.program.spec import DEMO_PATH, Program
from loyalty.program.store import ProgramHolder, apply_program
from loyalty.runtime import Runtime


def demo_text(table: str = "bonuses", **changes: object) -> str:
    return with_keys(DEMO_PATH.read_text(encoding="utf-8"), table, **changes)


def with_keys(text: str, table: str, **changes: object) -> str:
    """`text` with keys of its `[table]` set (a TOML value as written) or removed (None)."""
    start = text.index(f"[{table}]\n")
    end = text.find("\n[", start + 1)
    end = len(text) if end == -1 else end
    return text[:start] + _set_keys(text[start:end], table, changes) + text[end:]


def _set_keys(section: str, table: str, changes: dict[str, object]) -> str:
    for key, value in changes.items():
        line = re.compile(rf"^{key} = .*$\n?", re.MULTILINE)
        if value is None:
            section = line.sub("", section)
        elif line.search(section):
            section = line.sub(f"{key} = {value}\n", section)
        else:
            section = section.replace(f"[{table}]\n", f"[{table}]\n{key} = {value}\n", 1)
    return section


def demo_without_new_member_bonus() -> str:
    return demo_text(new_member_multiplier=None, new_member_days=None)


def demo_at_base_rate() -> str:
    text = demo_without_new_member_bonus()
    start, end = text.index("[tiers]\n"), text.index("[[earning_rules]]")
    tiers = re.sub(r'^points_multiplier = .*$', 'points_multiplier = "1"', text[start:end], flags=re.MULTILINE)
    return text[:start] + tiers + text[end:]


async def use_program(runtime: Runtime, text: str) -> Program:
    current, _ = await apply_program(text, "test program")
    runtime.program = ProgramHolder(current)
    return current.program
