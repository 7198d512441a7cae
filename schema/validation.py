"""Validation within the query budget and a deadline: a costly document is refused as
QUERY_TOO_COMPLEX in milliseconds, and graphql-core's validation never blocks the event loop."""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

from graphql import DocumentNode, GraphQLError, GraphQLSchema, ValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from schema.input_text import literal_errors, variable_errors
from schema.query_cost import Budget, budget_errors, too_complex


class ValidateWithinBudget(SchemaExtension):
    """Measures the document against the query budget, then runs graphql-core's validation in
    a worker thread with a deadline on the CPU time that thread spends: a costly document is
    refused without the event loop waiting on it, and a loaded machine (time spent waiting
    for a core) does not count against a document. Results are cached by query text and rules, as
    are the control characters of the document's string literals."""

    def __init__(self, budget: Budget, deadline_seconds: float, cache: ValidationResults) -> None:
        super().__init__()
        self.budget = budget
        self.deadline_seconds = deadline_seconds
        self.cache = cache

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        refused = variable_errors(context.variables) + self._literal_errors(context.query, document)
        if refused:
            context.pre_execution_errors = refused
            yield
            return
        key = (context.query, context.validation_rules)
        errors = self.cache.get(key) if context.query else None
        if errors is None:
            errors = budget_errors(document, self.budget)
            if not errors:
                loop = asyncio.get_running_loop()
                errors = await loop.run_in_executor(
                    _validation_threads, _validate_by_deadline,
                    context.schema._schema, document, context.validation_rules, self.deadline_seconds,
                )
            if context.query and errors is not None:
                self.cache.put(key, errors)
        context.pre_execution_errors = errors
        yield


    def _literal_errors(self, query: str | None, document: DocumentNode) -> list[GraphQLError]:
        """Kept by the document's text, next to its validation errors: walking the document
        is the same work for every request that sends it."""
        if not query:
            return literal_errors(document)
        key = ("literals", query)
        errors = self.cache.get(key)
        if errors is None:
            errors = literal_errors(document)
            self.cache.put(key, errors)
        return errors


class _PastDeadline(Exception):
    pass


def _validate_by_deadline(schema: GraphQLSchema, document: DocumentNode, rules: tuple, seconds: float) -> list:
    deadline = time.thread_time() + seconds

    class Deadline(ValidationRule):
        def enter(self, *_args: object) -> None:
            if time.thread_time() > deadline:
                raise _PastDeadline()

    try:
        return validate_document(schema, document, (Deadline, *rules))
    except _PastDeadline:
        return [too_complex("The query took too long to validate.")]


_validation_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="graphql-validation")


class ValidationResults:
    """The validation errors of recent documents, least recently used dropped first: one per
    schema, as the same text can be valid for one schema and not another."""

    def __init__(self, maxsize: int = 1024) -> None:
        self.maxsize = maxsize
        self.items: OrderedDict[object, list[GraphQLError]] = OrderedDict()

    def get(self, key: object) -> list[GraphQLError] | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: object, value: list[GraphQLError]) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.maxsize:
            self.items.popitem(last=False)

