"""Turning validation errors into messages a program owner can act on:
the key at fault as a dotted path (`tiers.levels[2].threshold`), a plain
message, and the line of the file where the key (or its table) is written.
Best effort: the line is found by reading table headers, not by a TOML parser."""
from __future__ import annotations

import difflib
import re
from datetime import date
from decimal import Decimal
from typing import Any, get_args

from pydantic import BaseModel

Path = tuple[str | int, ...]

# `[table]`, `[[array.of.tables]]`, with an optional trailing comment.
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")


def format_path(path: Path) -> str:
    """('tiers', 'levels', 2, 'threshold') -> 'tiers.levels[2].threshold'."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _sections(lines: list[str]) -> list[tuple[Path, int]]:
    """Each table header as (its path, with array indexes; its 1-based line)."""
    index: dict[tuple[str, ...], int] = {}  # array-of-tables -> current entry
    out: list[tuple[Path, int]] = []
    for number, line in enumerate(lines, 1):
        match = _HEADER.match(line)
        if not match:
            continue
        keys = tuple(k.strip().strip("\"'") for k in match.group(2).split("."))
        if match.group(1) == "[[":
            index[keys] = index.get(keys, -1) + 1
            for nested in [k for k in index if len(k) > len(keys) and k[: len(keys)] == keys]:
                del index[nested]  # why: a new entry restarts the arrays inside it
        path: list[str | int] = []
        for i, key in enumerate(keys, 1):
            path.append(key)
            if keys[:i] in index:
                path.append(index[keys[:i]])
        out.append((tuple(path), number))
    return out


def find_line(text: str, path: Path) -> int | None:
    """The line where `path` is written: the deepest table header that is a prefix
    of it, then the first key of the rest within that table; the header's line
    when the key is absent (a missing key); None when nothing matches."""
    lines = text.splitlines()
    sections = _sections(lines)
    prefix: Path = ()
    start, header = 1, None
    for i, (section, number) in enumerate(sections):
        if path[: len(section)] == section and len(section) >= len(prefix):
            prefix, start, header = section, number + 1, number
            end = sections[i + 1][1] - 1 if i + 1 < len(sections) else len(lines)
    if header is None:
        end = sections[0][1] - 1 if sections else len(lines)
    rest = path[len(prefix):]
    if rest and isinstance(rest[0], str):
        key = re.compile(rf"""^\s*["']?{re.escape(rest[0])}["']?\s*[=.]""")
        for number in range(start, end + 1):
            if key.match(lines[number - 1]):
                return number
    return header


def _model_at(root: type[BaseModel], loc: Path) -> type[BaseModel] | None:
    """The model class that holds the last key of `loc` (to list the known keys)."""
    cls: type[BaseModel] | None = root
    for step in loc[:-1]:
        if isinstance(step, int):
            continue
        field = cls.model_fields.get(step) if cls else None
        cls = _inner_model(field.annotation) if field else None
    return cls


def _inner_model(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in get_args(tp):
        if found := _inner_model(arg):
            return found
    return None


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, int | float | Decimal | date) else ""


def describe(error: dict[str, Any], root: type[BaseModel]) -> tuple[Path, str]:
    """One pydantic error as (path of the key at fault, owner-readable message).
    Errors of type "program" (see spec.problem) carry the key in ctx["at"]."""
    loc: Path = tuple(error["loc"])
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "program":
        return loc + tuple(ctx["at"]), ctx["message"]
    if kind == "missing":
        return loc, "required key is missing"
    if kind == "extra_forbidden":
        known = _model_at(root, loc)
        close = difflib.get_close_matches(str(loc[-1]), list(known.model_fields) if known else [], 1)
        return loc, "unknown key" + (f" (did you mean {close[0]!r}?)" if close else "")
    if kind == "too_short" and ctx.get("min_length") == 1:
        return loc, "needs at least one entry"
    message = re.sub(r"^Value error, ", "", error["msg"])
    message = re.sub(r"^[A-Za-z ]*?should ", "must ", message)
    if kind != "value_error" and (shown := _shown(error.get("input"))):
        message += f", not {shown}"
    return loc, message
