"""Promises about the code itself: loyalty/ depends on no outer layer (DESIGN.md), and models
are safe to write into SQL comments."""
from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from tortoise.models import Model

from loyalty import db

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "loyalty"
FORBIDDEN = {"api", "schema", "workers", "strawberry", "starlette"}
# Tortoise writes model docstrings and field descriptions into SQL comments; SQLite breaks on these.
UNSAFE_IN_SQL_COMMENTS = (";", "'")


def _module_parts(path: Path, root: Path = ROOT) -> list[str]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imported_names(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import; a relative import that climbs out of
    loyalty/ comes back as "<relative import above loyalty>"."""
    tree = ast.parse(path.read_text(), filename=str(path))
    module = _module_parts(path, root)
    package = module if path.name == "__init__.py" else module[:-1]
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.append((node.lineno, node.module or ""))
                continue
            keep = len(package) - (node.level - 1)
            if keep < 1:
                names.append((node.lineno, "<relative import above loyalty>"))
                continue
            names.append((node.lineno, ".".join(package[:keep] + ([node.module] if node.module else []))))
    return names


def _violations(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for line, name in _imported_names(path, root):
        if name.split(".")[0] in FORBIDDEN or name.startswith("<"):
            found.append(f"{path.relative_to(root)}:{line} imports {name}")
    return found


def test_the_domain_core_imports_no_outer_layer():
    violations = [v for path in sorted(CORE.rglob("*.py")) for v in _violations(path)]
    assert violations == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import api", ["api"]),
        ("import strawberry.types as t", ["strawberry.types"]),
        ("from starlette.requests import Request", ["starlette.requests"]),
        ("from schema import errors", ["schema"]),
        ("from ... import api", ["<relative import above loyalty>"]),
        ("from ...workers import relay", ["<relative import above loyalty>"]),
        ("def f():\n    from workers.jobs import run", ["workers.jobs"]),
        ("from .. import errors\nfrom ..schema import x\nfrom . import models\nimport loyalty.db", []),
        ("import schemathesis\nfrom apis import x", []),
    ],
)
def test_the_import_check_catches_every_form(tmp_path, source, expected):
    # A module at loyalty/auth/sample.py: ".." is loyalty, "..." climbs out of it.
    path = tmp_path / "loyalty" / "auth" / "sample.py"
    path.parent.mkdir(parents=True)
    path.write_text(source + "\n")
    found = [v.split(" imports ")[1] for v in _violations(path, root=tmp_path)]
    assert found == expected


def _models() -> list[type[Model]]:
    """Models in loyalty/**/models.py and in every module the database registers."""
    names = {".".join(_module_parts(path)) for path in CORE.rglob("models.py")} | set(db.MODEL_MODULES)
    found = []
    for name in sorted(names):
        module = importlib.import_module(name)
        found.extend(
            obj for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Model) and obj.__module__ == module.__name__
        )
    return found


@pytest.mark.parametrize("model", _models(), ids=lambda model: model.__name__)
def test_model_docstrings_and_field_descriptions_are_safe_in_sql_comments(model):
    texts = {"docstring": model.__doc__ or ""}
    texts.update({f"field {name}": field.description or "" for name, field in model._meta.fields_map.items()})
    unsafe = {where: text for where, text in texts.items() if any(c in text for c in UNSAFE_IN_SQL_COMMENTS)}
    assert unsafe == {}, f"{model.__name__}: remove ; and ' from these (they go into SQL comments)"
