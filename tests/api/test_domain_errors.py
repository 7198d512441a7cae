"""Domain errors are mapped to the API in one place (schema/errors.py): a mutation answers with
UserErrors in its payload, any other field with a top-level error carrying the code; the domain
names its parameters and the schema turns them into input paths."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import strawberry
from graphql import OperationType
from strawberry.types import Info

from loyalty.errors import ErrorCode, LoyaltyError, NotFound
from schema.errors import DomainErrors, input_path
from schema.extensions import MaskUnexpectedErrors
from schema.schema import build_schema
from tests.support.gql import gql
from tests.support.shop import RECORD_PURCHASE, Shop, errors_of, join

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("parameter", "path"), [
    ("email", ["input", "email"]),
    ("reward_id", ["input", "rewardId"]),
    ("points_to_spend", ["input", "pointsToSpend"]),
    ("currency", ["input", "currencyCode"]),
    ("items[2].sku", ["input", "items", "2", "sku"]),
    ("items[0].amount", ["input", "items", "0", "amount"]),
])
def test_a_domain_parameter_becomes_its_input_path(parameter: str, path: list[str]) -> None:
    assert input_path(parameter) == path


@strawberry.type
class Query:
    @strawberry.field
    async def missing(self, info: Info) -> str:
        raise NotFound("Nothing here.", field="thing_id")

    @strawberry.field
    def refused(self) -> str:
        raise LoyaltyError("Not now.", code=ErrorCode.NOT_AVAILABLE)

    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("a bug")


def _schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, extensions=[MaskUnexpectedErrors, DomainErrors])


@pytest.mark.parametrize(("field", "code", "message"), [
    ("missing", "NOT_FOUND", "Nothing here."), ("refused", "NOT_AVAILABLE", "Not now."),
])
async def test_an_expected_error_raised_in_a_query_reaches_the_client_with_its_code(field, code, message) -> None:
    result = await _schema().execute(f"{{ {field} }}")
    assert result.data is None
    assert [(e.message, e.path, e.extensions) for e in result.errors] == [(message, [field], {"code": code})]


async def test_an_unexpected_error_in_a_query_stays_masked() -> None:
    result = await _schema().execute("{ broken }")
    assert [(e.message, e.extensions["code"]) for e in result.errors] == [("Unexpected error.", "INTERNAL_SERVER_ERROR")]


async def test_a_query_of_the_api_answers_a_domain_error_with_its_code(client) -> None:
    ann = await join(client)
    body = await gql(client, "query { memberByNumber(memberNumber: \"1\") { id } }", token=ann.token,
                     expect_errors=True)
    assert body["data"] == {"memberByNumber": None}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["memberByNumber"], "FORBIDDEN")]


async def test_a_mutation_names_the_item_at_fault_by_its_index(client) -> None:
    shop, ann = await Shop.open(client), await join(client)
    items = [{"sku": "A", "quantity": 1, "amount": "50.00"}, {"sku": "B", "quantity": 0, "amount": "50.00"}]
    payload = (await shop.call(RECORD_PURCHASE, {"input": {
        "memberId": ann.id, "orderId": "O-1", "amount": "100.00", "currencyCode": "EUR", "items": items,
    }}))["recordPurchase"]
    assert (payload["purchase"], errors_of(payload)) == (
        None, [{"code": "INVALID", "field": ["input", "items", "1", "quantity"]}])
    wrong_currency = (await shop.purchase(ann, orderId="O-2", currencyCode="USD"))
    assert errors_of(wrong_currency) == [{"code": "CURRENCY_MISMATCH", "field": ["input", "currencyCode"]}]


def test_every_mutation_payload_can_carry_errors_alone() -> None:
    """DomainErrors builds a mutation's payload from its errors only."""
    schema = build_schema()
    mutation = schema._schema.get_root_type(OperationType.MUTATION)
    payloads = {f.type.of_type if hasattr(f.type, "of_type") else f.type for f in mutation.fields.values()}
    with_errors = [p for p in payloads if "errors" in p.fields]
    assert len(with_errors) == len(payloads)
    for payload in with_errors:
        origin = payload.extensions["strawberry-definition"].origin
        assert origin(errors=[]).errors == [], payload.name


def test_no_resolver_catches_domain_errors_itself() -> None:
    found = []
    for path in sorted((ROOT / "schema").rglob("*.py")):
        if path.name == "errors.py" and path.parent.name == "schema":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler) and "LoyaltyError" in ast.unparse(node.type or ast.Name("")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_the_domain_names_its_parameters_not_graphql_fields() -> None:
    camel = re.compile(r"""(field=|check_key\(.*, )f?["'][^"']*[a-z][A-Z]""")
    found = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "loyalty").rglob("*.py"))
             for n, line in enumerate(path.read_text().splitlines(), 1) if camel.search(line)]
    assert found == []
