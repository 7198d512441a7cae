"""The GraphQL schema: every domain's queries and mutations, joined, with the limits."""
from __future__ import annotations

import functools
from typing import NamedTuple

import strawberry
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter, ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import Info

from loyalty.settings import Settings
from schema.actions.mutations import ActionMutations
from schema.auth.mutations import AuthMutations
from schema.bonuses.mutations import BonusMutations
from schema.charity.mutations import CharityMutations
from schema.charity.queries import CharityQueries
from schema.charity.types import Charity, Donation
from schema.ledger import nodes as ledger_nodes
from schema.ledger.types import ActivityEntry
from schema.live.subscriptions import LiveSubscriptions
from schema.errors import DomainErrors
from schema.gdpr.mutations import GdprMutations
from schema.gdpr.queries import GdprQueries
from schema.extensions import LoggedSchema, MaskUnexpectedErrors
from schema.observe import Observed
from schema.validation import ValidateWithinBudget, ValidationResults
from schema.members.mutations import MemberMutations
from schema.members.queries import MemberQueries
from schema.members.types import Member
from schema.memberships import nodes as membership_nodes
from schema.webhooks import nodes as webhook_nodes
from schema.memberships.mutations import MembershipMutations
from schema.memberships.types import PaidMembership
from schema.passes import nodes as pass_nodes
from schema.passes.mutations import PassMutations
from schema.passes.types import Pass
from schema.program.queries import ProgramQueries
from schema.query_cost import Budget
from schema.permissions import refuse_rejected_credentials
from schema.program.types import PROGRAM_NODE_TYPES
from schema.purchases import nodes as purchase_nodes
from schema.purchases.mutations import PurchaseMutations
from schema.purchases.types import Purchase
from schema.relay import Node, resolve_node
from schema.reports.queries import ReportQueries
from schema.rewards.mutations import RewardMutations
from schema.rewards.queries import RewardQueries
from schema.rewards.types import IssuedReward, Reward
from schema.scalars import SCALARS
from schema.webhooks.mutations import WebhookMutations
from schema.webhooks.queries import WebhookQueries
from schema.webhooks.types import Webhook, WebhookDelivery
from schema.audit.queries import AuditQueries
from schema.staff.mutations import StaffMutations
from schema.staff.queries import StaffQueries
from schema.visits.mutations import VisitMutations


@strawberry.type
class NodeQueries:
    @strawberry.field(description=(
        "The object with this global id, or null when it does not exist or the caller may not see it; "
        "an UNAUTHENTICATED error when the request carries an expired or invalid token."
    ))
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        refuse_rejected_credentials(info)
        return await resolve_node(info, id)


Query = merge_types("Query", (NodeQueries, MemberQueries, ProgramQueries, RewardQueries, CharityQueries,
                             GdprQueries, WebhookQueries, StaffQueries, AuditQueries, ReportQueries))
Subscription = merge_types("Subscription", (LiveSubscriptions,))
Mutation = merge_types("Mutation", (AuthMutations, MemberMutations, PurchaseMutations, ActionMutations,
                                    RewardMutations, CharityMutations, BonusMutations, MembershipMutations,
                                    GdprMutations, WebhookMutations, StaffMutations, PassMutations, VisitMutations))
NODE_TYPES = [Member, *PROGRAM_NODE_TYPES, Purchase, ActivityEntry, Reward, IssuedReward, Charity, Donation,
              PaidMembership, Webhook, WebhookDelivery, Pass]
_NODE_RESOLVERS = (ledger_nodes, purchase_nodes, membership_nodes, webhook_nodes, pass_nodes)  # imported for their register_node calls


class _Shape(NamedTuple):
    """The settings a schema is built from."""

    max_depth: int
    max_aliases: int
    max_fragments: int
    max_fields: int
    max_repeats: int
    max_tokens: int
    validation_timeout_seconds: float
    production: bool


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema for `settings`: built once per process for each set of limits (converting
    the types takes strawberry tens of milliseconds), so every app of a process with the same
    limits shares it and its cache of validation results."""
    settings = settings or Settings()
    return _built(_Shape(
        max_depth=settings.max_query_depth, max_aliases=settings.max_aliases, max_fragments=settings.max_fragments,
        max_fields=settings.max_query_fields, max_repeats=settings.max_field_repeats, max_tokens=settings.max_tokens,
        validation_timeout_seconds=settings.validation_timeout_seconds, production=settings.production,
    ))


@functools.lru_cache(maxsize=16)
def _built(shape: _Shape) -> strawberry.Schema:
    # Factories: strawberry builds fresh extension instances per request.
    budget = Budget(max_depth=shape.max_depth, max_aliases=shape.max_aliases, max_fragments=shape.max_fragments,
                    max_fields=shape.max_fields, max_repeats=shape.max_repeats)
    validated = ValidationResults()
    extensions = [
        lambda: ParserCache(maxsize=1024),
        lambda: MaxTokensLimiter(max_token_count=shape.max_tokens),
        lambda: ValidateWithinBudget(budget, shape.validation_timeout_seconds, validated),
        MaskUnexpectedErrors,
        DomainErrors,
        Observed,
    ]
    if shape.production:
        extensions.append(DisableIntrospection)
    return LoggedSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=NODE_TYPES,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=shape.production, scalar_map=SCALARS),
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
