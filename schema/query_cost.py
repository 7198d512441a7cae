"""The query budget: how deep, how many aliases and how large a document is once its
fragments are expanded, measured in one pass over the document.

Each fragment is measured once and its figures reused wherever it is spread, so a document
whose fragments spread each other twice over twenty levels (a million fields once expanded)
costs twenty steps to measure, not a million. A document over the budget is refused before
graphql-core's validation, whose rules walk the expanded document."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"


@dataclass(frozen=True)
class Budget:
    max_depth: int
    max_aliases: int
    max_fragments: int
    max_fields: int
    # Fields of one response name merged into one selection set: validation compares them in
    # pairs, so their cost grows with the square of this.
    max_repeats: int


@dataclass(frozen=True)
class Size:
    levels: int  # nested levels of fields; a leaf field alone is one level
    aliases: int
    fields: int
    names: Counter[str]  # response names of the selection set's own fields, fragments merged in

    def __add__(self, other: Size) -> Size:
        return Size(max(self.levels, other.levels), self.aliases + other.aliases, self.fields + other.fields,
                    self.names + other.names)


NOTHING = Size(0, 0, 0, Counter())


def too_complex(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": QUERY_TOO_COMPLEX})


class _Measure:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]):
        self.fragments = fragments
        self.sizes: dict[str, Size] = {}
        self.open: set[str] = set()  # fragments being measured: a cycle, which validation reports
        self.repeats = 0

    def selection_set(self, node: SelectionSetNode | None) -> Size:
        total = NOTHING
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        if total.names:
            self.repeats = max(self.repeats, max(total.names.values()))
        return total

    def field(self, node: FieldNode) -> Size:
        alias = 1 if node.alias else 0
        name = Counter({(node.alias or node.name).value: 1})
        if node.name.value.startswith("__"):  # introspection: not counted against the depth
            return Size(0, alias, 1, name)
        inner = self.selection_set(node.selection_set)
        return Size(inner.levels + 1, inner.aliases + alias, inner.fields + 1, name)

    def fragment(self, name: str) -> Size:
        if name in self.sizes:
            return self.sizes[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.open:
            return NOTHING
        self.open.add(name)
        size = self.selection_set(definition.selection_set)
        self.open.discard(name)
        self.sizes[name] = size
        return size


def budget_errors(document: DocumentNode, budget: Budget) -> list[GraphQLError]:
    """The ways the document exceeds the budget; empty when it fits."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if len(fragments) > budget.max_fragments:
        return [too_complex(f"{len(fragments)} fragments found. Allowed: {budget.max_fragments}")]
    measure = _Measure(fragments)
    errors = []
    aliases = fields = 0
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        size = measure.selection_set(definition.selection_set)
        if size.levels - 1 > budget.max_depth:
            name = definition.name.value if definition.name else "anonymous"
            errors.append(too_complex(f"'{name}' exceeds maximum operation depth of {budget.max_depth}"))
        aliases += size.aliases
        fields += size.fields
    if aliases > budget.max_aliases:
        errors.append(too_complex(f"{aliases} aliases found. Allowed: {budget.max_aliases}"))
    if fields > budget.max_fields:
        errors.append(too_complex(f"{fields} fields found once fragments are expanded. Allowed: {budget.max_fields}"))
    if measure.repeats > budget.max_repeats:
        errors.append(too_complex(f"A field is selected {measure.repeats} times in one place. "
                                  f"Allowed: {budget.max_repeats}"))
    return errors
