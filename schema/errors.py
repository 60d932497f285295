"""Error policy: typed codes for expected failures, masking for everything else.

Every GraphQL error carries `extensions.code`:
- VALIDATION_ERROR, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, STALE_CURSOR… from
  `server.core.errors.ApiError`, the only errors a resolver may show a client (the catalog layer
  raises `InvalidInput`, one of them); also VALIDATION_ERROR for a scalar that refused a
  literal or a variable before execution (a ValueError from its parser: the client's
  input, not our code);
- SERVICE_UNAVAILABLE when PostgreSQL cannot be reached (retry shortly);
- GRAPHQL_VALIDATION_FAILED for a document refused before execution (syntax, unknown
  field, depth/alias/token/cost limits), QUERY_TOO_COSTLY / QUERY_TOO_COMPLEX for the
  cost and fragment-expansion limits;
- VALIDATION_ERROR for variables that do not fit their declared types (wrong type, a
  missing required variable, an unknown enum value, an Int out of range, a bad Date):
  the same mistake written inline is a validation error, so it is not an internal one;
- INTERNAL_SERVER_ERROR for anything unexpected: the message is masked and the exception
  logged with the request id (DESIGN §6).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError, VariableDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from server.core.database import UNAVAILABLE_MESSAGE, is_database_unreachable
from server.core.errors import ApiError, ValidationError

log = logging.getLogger("schema.errors")

INTERNAL_MESSAGE = "Unexpected error; it has been logged with the request id."


class StaleCursor(ValidationError):
    code = "STALE_CURSOR"


def _with_code(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def is_variable_error(error: GraphQLError) -> bool:
    """graphql-core reports a variable value it cannot coerce at the variable's definition,
    before execution (no path)."""
    nodes = error.nodes or []
    return error.path is None and bool(nodes) and isinstance(nodes[0], VariableDefinitionNode)


def classify(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if is_variable_error(error):
        return _with_code(error, error.message, {"code": "VALIDATION_ERROR"})
    if original is None:
        if error.extensions and "code" in error.extensions:
            return error
        return _with_code(error, error.message, {"code": "GRAPHQL_VALIDATION_FAILED"})
    if isinstance(original, ApiError):
        ext: dict[str, object] = {"code": original.code}
        if original.details is not None:
            ext["details"] = original.details
        return _with_code(error, original.message, ext)
    if error.path is None and isinstance(original, GraphQLError | ValueError):
        # No path: a scalar refused the document's literal or a variable, before any
        # resolver ran (Strawberry's scalars raise StrawberryInputCoercionError, a
        # GraphQLError; ours a ValueError). During execution a ValueError is a bug.
        message = str(original) if isinstance(original, ValueError) else error.message
        return _with_code(error, message, {"code": "VALIDATION_ERROR"})
    if is_database_unreachable(original):
        log.warning("database unreachable during a GraphQL request: %s", original)
        return _with_code(error, UNAVAILABLE_MESSAGE, {"code": "SERVICE_UNAVAILABLE"})
    log.error("unexpected GraphQL error at %s", error.path, exc_info=original)
    return _with_code(error, INTERNAL_MESSAGE, {"code": "INTERNAL_SERVER_ERROR"})


def apply_error_policy(execution_context: ExecutionContext) -> None:
    """Give every error of a finished operation its typed code (masking the unexpected)."""
    done: dict[int, GraphQLError] = {}

    def once(error: GraphQLError) -> GraphQLError:
        # An error before execution is in both lists: classify (and log) it once.
        if id(error) not in done:
            done[id(error)] = classify(error)
        return done[id(error)]

    result = execution_context.result
    errors = getattr(result, "errors", None)
    if result is not None and errors:
        result.errors = [once(e) for e in errors]
    pre = execution_context.pre_execution_errors
    if pre:
        execution_context.pre_execution_errors = [once(e) for e in pre]


class ErrorPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        apply_error_policy(self.execution_context)
