"""Control characters are refused in every string a request carries, in its variables and
in the literals of its document: no stored text (emails, device tokens, skus, order ids)
holds a NUL, which PostgreSQL cannot store, or another character no client means to send.
Tab, line feed and carriage return are text."""
from __future__ import annotations

import re
from typing import Any

from graphql import DocumentNode, GraphQLError, StringValueNode, Visitor, visit

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MESSAGE = "contains control characters."


def _refused(message: str, **kwargs: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_REQUEST"}, **kwargs)


def _paths_with_control(value: Any, path: str) -> list[str]:
    if isinstance(value, str):
        return [path] if _CONTROL.search(value) else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            found += _paths_with_control(key, path) + _paths_with_control(item, f"{path}.{key}")
        return found
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _paths_with_control(item, f"{path}[{i}]")]
    return []


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[StringValueNode] = []

    def enter_string_value(self, node: StringValueNode, *_: object) -> None:
        if _CONTROL.search(node.value):
            self.nodes.append(node)


def variable_errors(variables: dict[str, Any] | None) -> list[GraphQLError]:
    """The variables' strings with control characters, checked on every request."""
    return [_refused(f"Variable '${path}' {MESSAGE}")
            for name, value in (variables or {}).items() for path in _paths_with_control(value, name)]


def literal_errors(document: DocumentNode) -> list[GraphQLError]:
    """The document's string literals with control characters: they depend on the document
    alone, so a caller may keep them by its text."""
    literals = _Literals()
    visit(document, literals)
    return [_refused(f"A string value {MESSAGE}", nodes=[node]) for node in literals.nodes]
