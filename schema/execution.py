"""A graphql-core executor with a short path for plain leaf fields.

Most of what a catalog query returns are plain stored values: `name`, `contextWindow`,
`inputModalities`… Strawberry resolves such a "basic" field (no resolver, no arguments, no
field extensions) by reading the attribute, but graphql-core still builds a resolve-info
object, calls the resolver through two wrappers and walks its generic completion for
every one of them: for `models(first: 20)` with 15 fields that machinery was about half of
an uncached request (bench/graphql_bench.py).

`LeafFastExecutor` answers such a field directly, in its loop over an object's fields:
read the attribute, then coerce it with the type's own `coerce_output_value` (scalars and
enums, or a list of them), exactly what graphql-core's completion would do. The object's
other fields are handed to graphql-core together, and the response keeps the query's
field order. Anything it is not sure about
(a null where the type forbids one, a value of an unexpected Python type, an exception)
goes to graphql-core's own `execute_field`, which recomputes the field and produces the
regular value or error; reading an attribute twice is harmless. Whether a field is
eligible is decided once per (type, field) and remembered.

Equivalence with graphql-core is tested field by field in tests/graphql/test_execution.py.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# Python values that can never be awaitables or exceptions, so coercing them is all
# graphql-core would do. Anything else takes the regular path.
_PLAIN_VALUES: frozenset[type] = frozenset({str, int, float, bool, Decimal, date, datetime})
_SLOW = object()  # "let graphql-core do it"


class _LeafPlan:
    """How to complete one basic leaf field (or a list of leaves) without graphql-core."""

    __slots__ = ("attribute", "coerce", "is_list", "items_nullable", "nullable")

    def __init__(self, attribute: str, field_type: GraphQLOutputType) -> None:
        self.attribute = attribute
        self.nullable = not isinstance(field_type, GraphQLNonNull)
        inner = _strip_non_null(field_type)
        self.is_list = isinstance(inner, GraphQLList)
        if isinstance(inner, GraphQLList):
            self.items_nullable = not isinstance(inner.of_type, GraphQLNonNull)
            inner = _strip_non_null(inner.of_type)
        else:
            self.items_nullable = False
        assert isinstance(inner, GraphQLScalarType | GraphQLEnumType)
        self.coerce = inner.coerce_output_value

    def complete(self, source: Any) -> Any:
        value = getattr(source, self.attribute)
        if value is None:
            return None if self.nullable else _SLOW
        if not self.is_list:
            return self._leaf(value)
        if type(value) is not list:
            return _SLOW
        completed: list[Any] = []
        for item in value:
            if item is None:
                if not self.items_nullable:
                    return _SLOW
                completed.append(None)
                continue
            leaf = self._leaf(item)
            if leaf is _SLOW:
                return _SLOW
            completed.append(leaf)
        return completed

    def _leaf(self, value: Any) -> Any:
        if type(value) not in _PLAIN_VALUES and not isinstance(value, Enum):
            return _SLOW
        coerced = self.coerce(value)
        return _SLOW if coerced is None or coerced is Undefined else coerced


def _strip_non_null(type_: GraphQLOutputType) -> GraphQLOutputType:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _is_leaf(type_: GraphQLOutputType) -> bool:
    inner = _strip_non_null(type_)
    if isinstance(inner, GraphQLList):
        inner = _strip_non_null(inner.of_type)
    return isinstance(inner, GraphQLScalarType | GraphQLEnumType)


def leaf_plan(field: GraphQLField) -> _LeafPlan | None:
    """A plan when the field is a Strawberry basic field of a leaf (or leaf list) type."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    if field.args or not getattr(field.resolve, "_is_default", False):
        return None
    if definition.default_resolver is not getattr or not _is_leaf(field.type):
        return None
    return _LeafPlan(definition.python_name, field.type)


# (object type, field name) -> plan, or None for "always the regular path".
_PLANS: dict[tuple[GraphQLObjectType, str], _LeafPlan | None] = {}


def _plan_for(parent_type: GraphQLObjectType, field_name: str) -> _LeafPlan | None:
    key = (parent_type, field_name)
    try:
        return _PLANS[key]
    except KeyError:
        field = parent_type.fields.get(field_name)  # None for __typename and the like
        plan = _PLANS[key] = leaf_plan(field) if field is not None else None
        return plan


def _fast_value(parent_type: GraphQLObjectType, node: Any, source: Any) -> Any:
    """The completed value of a plain leaf field, or _SLOW."""
    plan = _plan_for(parent_type, node.name.value)
    if plan is None or node.arguments:
        return _SLOW
    try:
        return plan.complete(source)
    except Exception:  # the regular path turns it into the proper field error
        return _SLOW


class LeafFastExecutor(StrawberryGraphQLCoreExecutionContext):
    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """Plain leaves are answered in this loop; the other fields go to graphql-core
        together. Their keys are placed first so the response keeps the query's order."""
        if self._has_middleware():
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        regular: GroupedFieldSet = {}
        for response_name, field_details_list in grouped_field_set.items():
            value = _fast_value(parent_type, field_details_list[0].node, source_value)
            if value is _SLOW:
                regular[response_name] = field_details_list
            results[response_name] = value  # a placeholder for the regular ones
        if not regular:
            return results
        rest = super().execute_fields(parent_type, source_value, path, regular, position_context)
        if not isinstance(rest, dict):  # an awaitable: some regular field is async
            return _merged(results, regular, rest)
        return _merge(results, regular, rest)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """Also used on its own, e.g. for mutation fields executed one after the other."""
        if not self._has_middleware():
            value = _fast_value(parent_type, field_details_list[0].node, source)
            if value is not _SLOW:
                return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _has_middleware(self) -> bool:
        # Strawberry always passes a manager; it only matters when something is in it (an
        # extension with a `resolve` hook wraps every field, so no field may skip it).
        manager = self.middleware_manager
        return manager is not None and bool(manager.middlewares)


def _merge(results: dict[str, Any], regular: GroupedFieldSet, rest: dict[str, Any]) -> Any:
    results.update(rest)  # existing keys keep their place
    if len(rest) != len(regular):  # graphql-core left a field out: so must we
        for name in regular.keys() - rest.keys():
            del results[name]
    return results


async def _merged(
    results: dict[str, Any], regular: GroupedFieldSet, rest: Awaitable[dict[str, Any]]
) -> Any:
    return _merge(results, regular, await rest)
