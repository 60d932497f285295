"""The one place the schema is composed from its domains (DESIGN §8.4)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.catalog import CatalogQueries
from schema.changes import ChangeQueries, ChangeSubscriptions
from schema.errors import ErrorPolicy
from schema.limits import LIMIT_RULES, MAX_TOKENS
from schema.models import ModelQueries
from schema.providers import ProviderQueries
from schema.scalars import SCALAR_MAP
from schema.sync import SyncMutations, SyncQueries, SyncSubscriptions

Query = merge_types(
    "Query", (ModelQueries, ProviderQueries, ChangeQueries, CatalogQueries, SyncQueries)
)
Mutation = merge_types("Mutation", (SyncMutations,))
Subscription = merge_types("Subscription", (ChangeSubscriptions, SyncSubscriptions))

CACHE_SIZE = 1024


def _limit_rules() -> SchemaExtension:
    # The same rule classes every time, so ValidationCache's key (document, rules) repeats.
    return AddValidationRules(list(LIMIT_RULES))


def _tokens() -> SchemaExtension:
    return MaxTokensLimiter(max_token_count=MAX_TOKENS)


def _parser_cache() -> SchemaExtension:
    return ParserCache(maxsize=CACHE_SIZE)


def _validation_cache() -> SchemaExtension:
    return ValidationCache(maxsize=CACHE_SIZE)


class CatalogSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Silence Strawberry's default ERROR log for every error: expected failures are
        typed answers, and ErrorPolicy logs the unexpected ones with the request id."""


def build_schema() -> strawberry.Schema:
    return CatalogSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        # Order matters: the token limit sets parse options before the (cached) parse;
        # the limit rules join the rule tuple before the (cached) validation.
        extensions=[_tokens, _parser_cache, _limit_rules, _validation_cache, ErrorPolicy],
    )


schema = build_schema()
