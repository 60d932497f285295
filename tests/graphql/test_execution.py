"""schema.execution.LeafFastExecutor answers exactly what graphql-core's executor answers.

Each query runs twice, once with the fast executor and once with Strawberry's default,
and the two results (data and errors, with messages and paths) must be equal; separate
tests prove the fast path is really taken for plain leaves and refused where it must be.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType
from pytest_aiohttp import AiohttpClient
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema import compose
from schema.execution import LeafFastExecutor, leaf_plan
from server.core.settings import Settings
from server.http.app import create_app
from tests.graphql.conftest import Client, data, gql
from tests.support.seed import SeedInfo


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    count: int
    ratio: float
    flag: bool
    price: Decimal | None
    day: date | None
    at: datetime
    colour: Colour
    tags: list[str]
    maybe_tags: list[str | None] | None
    # Values a careless loader could put there: each must give graphql-core's own error.
    broken_required: str
    broken_int: int
    broken_list: list[str]

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times

    @strawberry.field
    def failing(self) -> str | None:
        raise ValueError("resolver failed")

    @strawberry.field
    async def later(self) -> str:
        return f"later {self.count}"


def _item(n: int) -> Item:
    return Item(
        id=strawberry.ID(f"item-{n}"),
        name=f"name {n}",
        count=n,
        ratio=n / 3,
        flag=n % 2 == 0,
        price=Decimal("1.25") * n if n else None,
        day=date(2025, 1, n + 1) if n != 2 else None,
        at=datetime(2025, 1, 1, 12, n, tzinfo=UTC),
        colour=Colour.RED if n % 2 else Colour.BLUE,
        tags=[f"t{n}", "shared"],
        maybe_tags=[None, "x"] if n == 1 else None,
        broken_required=None if n == 1 else "ok",  # type: ignore[arg-type]
        broken_int="not a number" if n == 2 else n,  # type: ignore[arg-type]
        broken_list=["a", None] if n == 3 else ["a"],  # type: ignore[list-item]
    )


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [_item(n) for n in range(4)]


def _schema(executor: type[StrawberryGraphQLCoreExecutionContext]) -> strawberry.Schema:
    return strawberry.Schema(query=Query, execution_context_class=executor)


FAST = _schema(LeafFastExecutor)
REGULAR = _schema(StrawberryGraphQLCoreExecutionContext)

QUERIES = [
    "{ items { id name count ratio flag price day at colour tags maybeTags } }",
    "{ items { a: name b: name __typename shout(times: 2) name } }",
    "{ items { ...F } } fragment F on Item { count tags @include(if: true) day @skip(if: true) }",
    "{ items { name failing } }",
    "{ items { count later name later2: later flag } }",  # async fields between leaves
    "{ items { name brokenRequired } }",
    "{ items { count brokenInt } }",
    "{ items { brokenList } }",
    "{ items { nope } }",  # a validation error, the same from both
]


def _plain(result: Any) -> dict[str, Any]:
    errors = [
        (e.message, tuple(e.path or ()), tuple((loc.line, loc.column) for loc in e.locations or ()))
        for e in result.errors or []
    ]
    # As JSON text: the order of the keys must be the query's, as graphql-core gives it.
    return {"data": json.dumps(result.data), "errors": sorted(errors)}


@pytest.mark.parametrize("query", QUERIES)
async def test_fast_and_regular_execution_give_the_same_result(query: str) -> None:
    fast, regular = await FAST.execute(query), await REGULAR.execute(query)
    assert _plain(fast) == _plain(regular)


async def test_errors_in_leaves_are_graphql_cores_own() -> None:
    result = _plain(await FAST.execute("{ items { name brokenRequired } }"))
    ((message, path, _),) = result["errors"]
    assert "Cannot return null for non-nullable field Item.brokenRequired" in message
    assert path == ("items", 1, "brokenRequired")
    assert result["data"] == "null"  # the null bubbles up to the nullable root


def _item_type() -> GraphQLObjectType:
    item = FAST._schema.type_map["Item"]
    assert isinstance(item, GraphQLObjectType)
    return item


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("name", "name 0"),
        ("count", 0),
        ("flag", True),
        ("price", None),
        ("day", "2025-01-01"),
        ("at", "2025-01-01T12:00:00+00:00"),
        ("colour", "BLUE"),
        ("tags", ["t0", "shared"]),
    ],
)
def test_plain_leaves_take_the_fast_path(field: str, expected: object) -> None:
    plan = leaf_plan(_item_type().fields[field])
    assert plan is not None
    assert plan.complete(_item(0)) == expected


@pytest.mark.parametrize("field", ["shout", "failing"])
def test_fields_with_resolvers_or_arguments_never_do(field: str) -> None:
    assert leaf_plan(_item_type().fields[field]) is None


def test_the_fast_path_is_off_unless_switched_on() -> None:
    assert compose.schema.execution_context_class is StrawberryGraphQLCoreExecutionContext
    assert compose.schema_for(False) is compose.schema
    assert compose.schema_for(True).execution_context_class is LeafFastExecutor
    assert compose.schema_for(True) is compose.schema_for(True)  # built once
    assert str(compose.schema_for(True)) == str(compose.schema)  # the same schema


async def test_the_switched_on_app_answers_as_the_default_one(
    client: Client, aiohttp_client: AiohttpClient, settings: Settings, seeded: SeedInfo
) -> None:
    fast_client = await aiohttp_client(create_app(settings.with_overrides(graphql_fast_path=True)))
    fields = (
        "id name creatorId family description releaseDate lastUpdated knowledgeCutoff "
        "openWeights license inputModalities outputModalities supportsTools "
        "supportsReasoning contextWindow maxOutputTokens downloads likes trendingScore "
        "intelligenceIndex outputTokensPerSecond cheapestInputPrice cheapestOutputPrice "
        "sources status firstSeenAt capabilities offerings { providerId inputPrice isFree }"
    )
    query = "query %s { models(first: 50) { totalCount edges { cursor node { %s } } } }"
    fast = data(await gql(fast_client, query % ("Fast", fields)))
    regular = data(await gql(client, query % ("Regular", fields)))  # another name: no cache hit
    assert fast == regular
    assert len(fast["models"]["edges"]) == len(seeded.visible_model_ids)
