"""The one place the schema is composed from its domains (DESIGN §8.4)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache, partial

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
from schema.errors import ErrorPolicy, apply_error_policy
from schema.limits import LIMIT_RULES, MAX_TOKENS
from schema.models import ModelQueries
from schema.providers import ProviderQueries
from schema.scalars import SCALAR_MAP
from schema.sync import SyncMutations, SyncQueries, SyncSubscriptions
from schema.text_input import NoNulInStringsRule, nul_error
from server.storable_text import holds_nul

Query = merge_types(
    "Query", (ModelQueries, ProviderQueries, ChangeQueries, CatalogQueries, SyncQueries)
)
Mutation = merge_types("Mutation", (SyncMutations,))
Subscription = merge_types("Subscription", (ChangeSubscriptions, SyncSubscriptions))

# Built once: the validation cache keys on the rule tuple.
EXTRA_RULES = (*LIMIT_RULES, NoNulInStringsRule)
CACHE_SIZE = 1024
# Process-wide LRU caches (Strawberry keeps them at module level, keyed by maxsize).
_parse = ParserCache(maxsize=CACHE_SIZE).cached_parse_document
_validate = ValidationCache(maxsize=CACHE_SIZE).cached_validate_document


class NulFreeVariables(SchemaExtension):
    """Refuse variables holding a NUL character (schema.text_input) when the document
    validated. Listed after ValidationCache, whose on_validate has set the errors."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if not context.pre_execution_errors and holds_nul(context.variables):
            context.pre_execution_errors = [nul_error()]
        yield


def standard_extensions() -> list[Callable[[], SchemaExtension]]:
    """The default request path: Strawberry's own extensions, one per concern, each a
    factory (Strawberry builds them per request)."""
    return [
        ErrorPolicy,
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(ParserCache, maxsize=CACHE_SIZE),
        partial(AddValidationRules, list(EXTRA_RULES)),
        partial(ValidationCache, maxsize=CACHE_SIZE),
        NulFreeVariables,
    ]


class RequestPipeline(SchemaExtension):
    """GRAPHQL_FAST_PATH only: what standard_extensions() does, as one extension.

    One extension doing what MaxTokensLimiter, ParserCache, AddValidationRules,
    ValidationCache and ErrorPolicy did as five: Strawberry instantiates every extension
    and runs each one's hooks on every request, which cost ~1 ms per request here
    (bench/graphql_bench.py). The limit rules are the same classes every time, so the
    validation cache's key (schema, document, rules) repeats.
    """

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        # Before the (cached) parse: the token limit is part of the parse options.
        context.parse_options["max_tokens"] = MAX_TOKENS
        context.validation_rules = context.validation_rules + EXTRA_RULES
        yield
        apply_error_policy(context)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = _parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = _validate(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        if not context.pre_execution_errors and holds_nul(context.variables):
            context.pre_execution_errors = [nul_error()]
        yield


class CatalogSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Silence Strawberry's default ERROR log for every error: expected failures are
        typed answers, and ErrorPolicy logs the unexpected ones with the request id."""


def build_schema(fast_path: bool = False) -> strawberry.Schema:
    """The catalog schema on Strawberry's standard path, or with GRAPHQL_FAST_PATH.

    The fast path (RequestPipeline + schema.execution.LeafFastExecutor) is off by default:
    it reaches into graphql-core's executor and Strawberry's execution context, and is
    checked by this project's tests only, not by Strawberry's own suite.
    """
    if fast_path:
        from schema.execution import LeafFastExecutor  # only then: it uses library internals

        return CatalogSchema(
            query=Query,
            mutation=Mutation,
            subscription=Subscription,
            config=StrawberryConfig(scalar_map=SCALAR_MAP),
            extensions=[RequestPipeline],
            execution_context_class=LeafFastExecutor,
        )
    return CatalogSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=standard_extensions(),
    )


schema = build_schema()


@cache
def schema_for(fast_path: bool) -> strawberry.Schema:
    """One schema per variant per process (building one takes ~0.2 s)."""
    return build_schema(fast_path=True) if fast_path else schema
