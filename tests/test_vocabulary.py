"""Drift test: each closed vocabulary and each shared limit has one definition
(server.core.vocabulary, server.core.limits, the catalog's sort fields), and every place that
lists one — the GraphQL enums, the OpenAPI document, the tables' CHECK constraints in code
and in the migrated database — says exactly the same.

A value added to a vocabulary without a migration fails the database half; an enum defined
in schema/ instead of registered from the base layer fails the GraphQL half; a list typed
out by hand in the OpenAPI document fails when it drifts.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

from graphql import GraphQLEnumType
from sqlalchemy import CheckConstraint, text
from sqlalchemy.ext.asyncio import AsyncEngine

from schema.compose import schema
from server.core import limits
from server.core.catalog.filters import SortField
from server.core.tables import metadata
from server.core.vocabulary import (
    CAPABILITIES,
    CHANGE_ENTITIES,
    CHANGE_KINDS,
    ENTITY_STATUSES,
    LISTING_KINDS,
    MATCH_METHODS,
    MODALITIES,
    PROVIDER_KINDS,
    RUN_STATUSES,
    RUN_TRIGGERS,
    SOURCES,
)
from server.http.rest.models import SORT_FIELDS
from server.http.rest.openapi import DOCUMENT

# GraphQL enum -> the vocabulary it exposes.
GRAPHQL_VOCABULARIES = {
    "Capability": CAPABILITIES,
    "ChangeKind": CHANGE_KINDS,
    "ListingKind": LISTING_KINDS,
    "ModelStatus": ENTITY_STATUSES,
    "ProviderKind": PROVIDER_KINDS,
    "Source": SOURCES,
}
# (table, CHECK constraint name) -> the vocabulary it admits.
CHECKED_VOCABULARIES = {
    ("providers", "ck_providers_kind"): PROVIDER_KINDS,
    ("providers", "ck_providers_status"): ENTITY_STATUSES,
    ("models", "ck_models_status"): ENTITY_STATUSES,
    ("offerings", "ck_offerings_status"): ENTITY_STATUSES,
    ("offerings", "ck_offerings_listing_kind"): LISTING_KINDS,
    ("external_ids", "ck_external_ids_match_method"): MATCH_METHODS,
    ("source_records", "ck_source_records_source"): SOURCES,
    ("sync_runs", "ck_sync_runs_trigger"): RUN_TRIGGERS,
    ("sync_runs", "ck_sync_runs_status"): RUN_STATUSES,
    ("changes", "ck_changes_kind"): CHANGE_KINDS,
    ("changes", "ck_changes_entity"): CHANGE_ENTITIES,
}
_QUOTED = re.compile(r"'((?:[^']|'')*)'")


def _graphql_enums() -> dict[str, GraphQLEnumType]:
    return {
        name: graphql_type
        for name, graphql_type in schema._schema.type_map.items()
        if isinstance(graphql_type, GraphQLEnumType) and not name.startswith("__")
    }


def _graphql_values(graphql_type: GraphQLEnumType) -> tuple[str, ...]:
    return tuple(value.value for value in graphql_type.values.values())


def test_every_graphql_enum_is_a_base_layer_class_registered_as_is() -> None:
    enums = _graphql_enums()
    assert set(GRAPHQL_VOCABULARIES) <= set(enums)
    for name, graphql_type in enums.items():
        cls = getattr(graphql_type, "wrapped_cls", None)
        assert isinstance(cls, type) and issubclass(cls, Enum), name
        assert cls.__module__.startswith("server.core."), (name, cls.__module__)
        members = {member.name: member.value for member in cls}
        graphql = {key: value.value for key, value in graphql_type.values.items()}
        assert list(graphql.items()) == list(members.items()), name


def test_graphql_enums_list_the_vocabularies() -> None:
    enums = _graphql_enums()
    for name, vocabulary in GRAPHQL_VOCABULARIES.items():
        assert _graphql_values(enums[name]) == vocabulary, name
    assert _graphql_values(enums["ModelSortField"]) == tuple(field.value for field in SortField)


def _in_list(sql: str) -> tuple[str, ...]:
    return tuple(value.replace("''", "'") for value in _QUOTED.findall(sql))


def test_table_check_constraints_list_the_vocabularies() -> None:
    found = {}
    for table in metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint) and " IN (" in str(constraint.sqltext):
                found[(table.name, str(constraint.name))] = _in_list(str(constraint.sqltext))
    assert found == CHECKED_VOCABULARIES


async def test_migrated_database_checks_list_the_vocabularies(engine: AsyncEngine) -> None:
    """What the migrations built: a value added to a vocabulary needs a migration too."""
    query = text(
        "SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS definition "
        "FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace"
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    found = {
        (row.tbl, row.conname): _in_list(row.definition)
        for row in rows
        if "ANY (ARRAY[" in row.definition
    }
    assert found == CHECKED_VOCABULARIES


def _parameters() -> dict[str, dict[str, Any]]:
    listed = DOCUMENT["paths"]["/v1/models"]["get"]["parameters"]
    return {p["name"]: p["schema"] for p in listed}


def _comma_list_items(pattern: str) -> tuple[str, ...]:
    return tuple(pattern.split("(", 2)[2].split(")", 1)[0].split("|"))


def test_openapi_enums_are_the_vocabularies() -> None:
    parameters = _parameters()
    assert parameters["source"]["enum"] == list(SOURCES)
    for name, vocabulary in (
        ("capabilities", CAPABILITIES),
        ("inputModalities", MODALITIES),
        ("outputModalities", MODALITIES),
        ("listingKind", LISTING_KINDS),
        ("status", ENTITY_STATUSES),
    ):
        assert _comma_list_items(parameters[name]["pattern"]) == vocabulary, name
    assert set(SORT_FIELDS.values()) == set(SortField)
    sorts = {value.lstrip("-") for value in parameters["sort"]["enum"]}
    assert sorts == set(SORT_FIELDS)
    schemas = DOCUMENT["components"]["schemas"]
    assert schemas["SyncRun"]["properties"]["status"]["enum"] == list(RUN_STATUSES)
    assert schemas["Model"]["properties"]["status"]["enum"] == list(ENTITY_STATUSES)
    listing = schemas["Model"]["properties"]["pricingListingKind"]["enum"]
    assert listing == ["", *LISTING_KINDS]
    body = DOCUMENT["paths"]["/v1/admin/sync"]["post"]["requestBody"]["content"]
    items = body["application/json"]["schema"]["properties"]["sources"]["items"]
    assert items["enum"] == list(SOURCES)


def test_openapi_bounds_are_the_limits() -> None:
    parameters = _parameters()
    assert parameters["limit"]["maximum"] == limits.MAX_PAGE_SIZE
    assert parameters["limit"]["default"] == limits.DEFAULT_PAGE_SIZE
    assert parameters["offset"]["maximum"] == limits.MAX_OFFSET
    assert parameters["search"]["maxLength"] == limits.MAX_TEXT_LENGTH
    assert parameters["maxInputPrice"]["maximum"] == limits.MAX_FILTER_PRICE
    assert parameters["minContextWindow"]["maximum"] == limits.MAX_TOKEN_COUNT
    history = DOCUMENT["paths"]["/v1/admin/sync/history"]["get"]["parameters"][0]["schema"]
    assert (history["default"], history["maximum"]) == (
        limits.DEFAULT_SYNC_HISTORY,
        limits.MAX_SYNC_HISTORY,
    )


def test_graphql_argument_defaults_are_the_limits() -> None:
    query = schema._schema.query_type
    assert query is not None
    sync_runs = query.fields["syncRuns"].args["first"]
    assert sync_runs.default_value == limits.DEFAULT_SYNC_HISTORY
    assert query.fields["compare"].description == (
        f"{limits.MIN_COMPARE} to {limits.MAX_COMPARE} models side by side."
    )
