"""The one place the schema is composed from its domains (DESIGN §8.4)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cache

import strawberry
from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, validate_document
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from schema import limits
from schema.catalog import CatalogQueries
from schema.changes import ChangeQueries, ChangeSubscriptions
from schema.context import Context
from schema.document_cache import DocumentCache
from schema.errors import apply_error_policy
from schema.limits import LIMIT_RULES, FragmentExpansionRule
from schema.models import ModelQueries
from schema.providers import ProviderQueries
from schema.scalars import SCALAR_MAP
from schema.sync import SyncMutations, SyncQueries, SyncSubscriptions
from schema.text_input import NoNulInStringsRule, nul_error
from server.core.bounds import Bounds
from server.core.limits import MAX_QUERY_TOKENS
from server.core.storable_text import holds_nul

Query = merge_types(
    "Query", (ModelQueries, ProviderQueries, ChangeQueries, CatalogQueries, SyncQueries)
)
Mutation = merge_types("Mutation", (SyncMutations,))
Subscription = merge_types("Subscription", (ChangeSubscriptions, SyncSubscriptions))

# Built once: the validation cache keys on the rule tuple.
EXTRA_RULES = (*LIMIT_RULES, NoNulInStringsRule)
# Process-wide, bounded by count and bytes; the settings resize it (configure_documents).
_DEFAULTS = Bounds()
DOCUMENTS = DocumentCache(
    _DEFAULTS.graphql_cache_entries,
    _DEFAULTS.graphql_cache_bytes,
    _DEFAULTS.graphql_max_document_chars,
)


def configure_documents(bounds: Bounds) -> None:
    """Apply the settings to the process-wide document cache and expansion limit (the
    schema is process-wide, so the last app created decides)."""
    DOCUMENTS.configure(
        bounds.graphql_cache_entries,
        bounds.graphql_cache_bytes,
        bounds.graphql_max_document_chars,
    )
    limits.configure(bounds.graphql_max_expanded_selections, bounds.graphql_max_document_chars)


def validate_in_two_steps(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    """The fragment expansion check alone first: the other rules walk the document with its
    fragments inlined, which is exponential in a fan-out document (schema.limits)."""
    errors = validate(schema, document, (FragmentExpansionRule,))
    if errors:
        return errors
    return validate_document(schema, document, rules)


class RequestPipeline(SchemaExtension):
    """Token limit, cached parse, limit and input rules, cached validation, the variables'
    NUL check (schema.text_input) and the error policy.

    One extension doing what MaxTokensLimiter, ParserCache, AddValidationRules,
    ValidationCache and ErrorPolicy did as five: Strawberry instantiates every extension
    and runs each one's hooks on every request, which cost ~1 ms per request here
    (bench/graphql_bench.py). The limit rules are the same classes every time, so the
    validation result remembered with a cached document (schema.document_cache) is
    found again.
    """

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        # Before the (cached) parse: the token limit is part of the parse options.
        context.parse_options["max_tokens"] = MAX_QUERY_TOKENS
        context.validation_rules = context.validation_rules + EXTRA_RULES
        yield
        apply_error_policy(context)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        assert context.query is not None  # Strawberry refuses a request without one earlier
        # On a syntax error the document is left unparsed: Strawberry parses again and
        # answers the error. Raised from this hook it escaped a websocket operation as an
        # ERROR log echoing the whole document, and the client only got `complete`.
        with contextlib.suppress(GraphQLError):
            context.graphql_document = DOCUMENTS.parse(context.query, context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document, rules = context.graphql_document, context.validation_rules
        assert context.query is not None and document is not None
        context.pre_execution_errors = DOCUMENTS.validate(
            context.query,
            context.parse_options,
            document,
            rules,
            lambda: validate_in_two_steps(context.schema._schema, document, rules),
        )
        if not context.pre_execution_errors and holds_nul(context.variables):
            context.pre_execution_errors = [nul_error()]
        if not context.pre_execution_errors and _subscription_over_http(context):
            context.pre_execution_errors = [SUBSCRIPTION_OVER_HTTP]
        yield


SUBSCRIPTION_OVER_HTTP = GraphQLError(
    "subscriptions are served over websockets (graphql-transport-ws) only",
    extensions={"code": "VALIDATION_ERROR"},
)


def _subscription_over_http(context: ExecutionContext) -> bool:
    """Over plain HTTP a subscription field resolved to nothing (an internal error)."""
    request_context = context.context
    if not isinstance(request_context, Context) or request_context.over_websocket:
        return False
    try:
        return context.operation_type is OperationType.SUBSCRIPTION
    except Exception:  # no such operation: Strawberry reports that itself
        return False


class CatalogSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Silence Strawberry's default ERROR log for every error: expected failures are
        typed answers, and ErrorPolicy logs the unexpected ones with the request id."""


def build_schema(fast_path: bool = False) -> strawberry.Schema:
    """The catalog schema: RequestPipeline (bounded document cache, limits, NUL check,
    error policy) on graphql-core's own executor, or, with GRAPHQL_FAST_PATH, on
    schema.execution.LeafFastExecutor. The fast executor is off by default: it reaches into
    graphql-core's executor and Strawberry's execution context, and only this project's
    tests check it, not Strawberry's own suite."""
    executor: type[StrawberryGraphQLCoreExecutionContext] | None = None  # None: the default
    if fast_path:
        from schema.execution import LeafFastExecutor  # only then: it uses library internals

        executor = LeafFastExecutor
    return CatalogSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[RequestPipeline],
        execution_context_class=executor,
    )


schema = build_schema()


@cache
def schema_for(fast_path: bool) -> strawberry.Schema:
    """One schema per variant per process (building one takes ~0.2 s)."""
    return build_schema(fast_path=True) if fast_path else schema
