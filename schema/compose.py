"""The one place the schema is composed from its domains (DESIGN §8.4)."""

from __future__ import annotations

from collections.abc import Iterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.catalog import CatalogQueries
from schema.changes import ChangeQueries, ChangeSubscriptions
from schema.errors import apply_error_policy
from schema.execution import LeafFastExecutor
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


class RequestPipeline(SchemaExtension):
    """Token limit, cached parse, limit and input rules, cached validation, the variables'
    NUL check (schema.text_input) and the error policy.

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


def build_schema() -> strawberry.Schema:
    return CatalogSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[RequestPipeline],
        execution_context_class=LeafFastExecutor,
    )


schema = build_schema()
