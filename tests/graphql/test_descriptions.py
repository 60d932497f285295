"""Every field of the GraphQL schema says what it is (shown in GraphiQL's docs).

PENDING may list types whose fields are not all described yet (none today).
"""

from __future__ import annotations

from graphql import GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from schema.compose import schema

PENDING: frozenset[str] = frozenset()


def _undescribed() -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in PENDING:
            continue
        if isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
        ):
            fields = [f for f, field in graphql_type.fields.items() if not field.description]
            if fields:
                missing[name] = fields
    return missing


def test_every_field_outside_the_pending_types_has_a_description() -> None:
    assert _undescribed() == {}


def test_pending_names_real_types() -> None:
    assert set(schema._schema.type_map) >= PENDING
