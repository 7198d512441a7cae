"""The GraphQL schema: every domain's queries and mutations, joined, with the limits."""
from __future__ import annotations

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
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
from schema.extensions import MaskUnexpectedErrors
from schema.members.mutations import MemberMutations
from schema.members.queries import MemberQueries
from schema.members.types import Member
from schema.memberships import nodes as membership_nodes
from schema.memberships.mutations import MembershipMutations
from schema.memberships.types import PaidMembership
from schema.program.queries import ProgramQueries
from schema.program.types import PROGRAM_NODE_TYPES
from schema.purchases import nodes as purchase_nodes
from schema.purchases.mutations import PurchaseMutations
from schema.purchases.types import Purchase
from schema.relay import Node, resolve_node
from schema.rewards.mutations import RewardMutations
from schema.rewards.queries import RewardQueries
from schema.rewards.types import IssuedReward, Reward


@strawberry.type
class NodeQueries:
    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)


Query = merge_types("Query", (NodeQueries, MemberQueries, ProgramQueries, RewardQueries, CharityQueries))
Subscription = merge_types("Subscription", (LiveSubscriptions,))
Mutation = merge_types("Mutation", (AuthMutations, MemberMutations, PurchaseMutations, ActionMutations,
                                    RewardMutations, CharityMutations, BonusMutations, MembershipMutations))
NODE_TYPES = [Member, *PROGRAM_NODE_TYPES, Purchase, ActivityEntry, Reward, IssuedReward, Charity, Donation,
              PaidMembership]
_NODE_RESOLVERS = (ledger_nodes, purchase_nodes, membership_nodes)  # imported for their register_node calls


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    # Factories: strawberry builds fresh extension instances per request. The limits' rule
    # classes are made once: the validation cache keys on them, and a class made anew for
    # each request would never hit.
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    extensions = [
        lambda: ParserCache(maxsize=1024),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(limit_rules),
        lambda: ValidationCache(maxsize=1024),
        MaskUnexpectedErrors,
    ]
    if settings.production:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=NODE_TYPES,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.production),
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
