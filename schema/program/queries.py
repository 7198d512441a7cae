from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.context import context_of
from schema.program.types import PassProduct, Plan, Program, Tier
from schema.relay import register_node


def _program(info: Info):
    return context_of(info).runtime.program.program


async def _tier_node(info: Info, code: str) -> Tier | None:
    program = _program(info)
    try:
        return Tier.from_spec(program, program.tiers.rank(code))
    except KeyError:
        return None


async def _plan_node(info: Info, code: str) -> Plan | None:
    program = _program(info)
    plan = next((p for p in program.plans if p.code == code), None)
    return Plan.from_spec(program, plan) if plan else None


async def _pass_product_node(info: Info, code: str) -> PassProduct | None:
    program = _program(info)
    product = next((p for p in program.pass_products if p.code == code), None)
    return PassProduct.from_spec(program, product) if product else None


# The description of the program version this process serves, built once per version: it
# depends on nothing else, and every process holds the same versions.
_descriptions: dict[tuple[int, str], Program] = {}


def described_program(info: Info) -> Program:
    current = context_of(info).runtime.program.current
    key = (current.version, current.checksum)
    described = _descriptions.get(key)
    if described is None:
        _descriptions.clear()
        described = _descriptions[key] = Program.from_spec(current.program)
    return described


register_node("Tier", _tier_node)
register_node("Plan", _plan_node)
register_node("PassProduct", _pass_product_node)


@strawberry.type
class ProgramQueries:
    @strawberry.field(description="The public description of the program: anyone may read it.")
    def program(self, info: Info) -> Program:
        return described_program(info)
