"""The catalog's rows are typed for real: mypy rejects a missing field, a wrong value type
and string indexing on what a query returns; and every row field's declared type is its
column's (type and nullability), so the declarations cannot drift from the tables."""

from __future__ import annotations

import subprocess
import sys
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, Table
from sqlalchemy.dialects.postgresql import JSONB

from server.core.catalog.history import Prices
from server.core.catalog.rows import (
    ChangeRow,
    ExternalIdRow,
    ModelRow,
    OfferingRow,
    ProviderRow,
    ScoreRow,
    SyncRunRow,
)
from server.core.export.litellm import EXPORT_COLUMNS, ExportRow
from server.core.tables import (
    OFFERING_PRICE_COLUMNS,
    changes,
    external_ids,
    models,
    offerings,
    providers,
    scores,
    sync_runs,
)

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_COUNTS = ("model_count", "offering_count")

# (snippet, the mypy message it must produce); each snippet is one module.
MISTAKES = {
    "missing_field": (
        "def price(row: ModelRow) -> object:\n    return row.input_price\n",
        '"ModelRow" has no attribute "input_price"',
    ),
    "wrong_value_type": (
        "def price(row: OfferingRow) -> str:\n    return row.input_price\n",
        'Incompatible return value type (got "Decimal | None", expected "str")',
    ),
    "indexed_like_a_dict": (
        "async def first_id(conn: AsyncConnection) -> object:\n"
        "    page = await list_models(conn, ModelFilter(), ModelSort(), 1, 0)\n"
        '    return page.rows[0]["id"]\n',
        'No overload variant of "__getitem__" of "tuple" matches argument type "str"',
    ),
    "a_dict_for_a_row": (
        'def record() -> object:\n    return legacy_model({"id": "a/b"}, [], date(2025, 1, 1))\n',
        'Argument 1 to "legacy_model" has incompatible type "dict[str, str]"; expected "ModelRow"',
    ),
}
CORRECT = (
    "async def first(conn: AsyncConnection) -> tuple[str, Decimal | None, int]:\n"
    "    page = await list_models(conn, ModelFilter(), ModelSort(), 1, 0)\n"
    "    row = page.rows[0]\n"
    "    offers = await offerings_by_model_ids(conn, [row.id])\n"
    "    best = cheapest(offers[row.id])\n"
    "    price = best.input_price if best is not None else None\n"
    "    return row.id, price, len(legacy_model(row, offers[row.id], date(2025, 1, 1)))\n"
)
IMPORTS = (
    "from datetime import date\n"
    "from decimal import Decimal\n\n"
    "from sqlalchemy.ext.asyncio import AsyncConnection\n\n"
    "from server.core.catalog import ModelFilter, ModelSort, list_models\n"
    "from server.core.catalog import offerings_by_model_ids\n"
    "from server.core.catalog.offerings import cheapest\n"
    "from server.core.catalog.rows import ModelRow, OfferingRow\n"
    "from server.http.rest.legacy import legacy_model\n\n\n"
)
NOQA = "# ruff: noqa\n# mypy: disable-error-code=unused-ignore\n"


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One mypy run (the project's settings: strict) over every snippet."""
    folder = tmp_path_factory.mktemp("snippets")
    files = []
    for name, source in {**{k: v[0] for k, v in MISTAKES.items()}, "correct": CORRECT}.items():
        path = folder / f"{name}.py"
        path.write_text(NOQA + IMPORTS + source)
        files.append(str(path))
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "setup.cfg")]
    command += ["--cache-dir", str(folder / "cache"), *files]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    return result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_mypy_rejects_the_mistake(mypy_output: str, name: str) -> None:
    lines = [line for line in mypy_output.splitlines() if f"{name}.py:" in line]
    assert any(MISTAKES[name][1] in line for line in lines), mypy_output


def test_mypy_accepts_the_typed_path_end_to_end(mypy_output: str) -> None:
    assert "correct.py:" not in mypy_output, mypy_output
    assert f"Found {len(MISTAKES)} errors in {len(MISTAKES)} files" in mypy_output, mypy_output


def _python_type(annotation: Any) -> tuple[Any, bool]:
    """(the type without None, whether None is allowed) of a field's annotation."""
    if isinstance(annotation, types.UnionType):
        args = [a for a in annotation.__args__ if a is not type(None)]
        assert len(args) == 1, annotation
        return _python_type(args[0])[0], True
    return typing.get_origin(annotation) or annotation, False


def _check(row_type: Any, sources: dict[str, Column[Any]]) -> None:
    hints = typing.get_type_hints(row_type)
    for name in row_type._fields:
        column = sources[name]
        if isinstance(column.type, JSONB):
            assert hints[name] is Any, name  # rows.Json: decoded JSON of any shape
            continue
        declared, nullable = _python_type(hints[name])
        assert declared is column.type.python_type, (row_type.__name__, name)
        assert nullable is bool(column.nullable), (row_type.__name__, name)


def _table(table: Table) -> dict[str, Column[Any]]:
    return {c.name: c for c in table.c}


@pytest.mark.parametrize(
    ("row_type", "table"),
    [
        (ModelRow, models),
        (OfferingRow, offerings),
        (ScoreRow, scores),
        (ExternalIdRow, external_ids),
        (ChangeRow, changes),
        (SyncRunRow, sync_runs),
    ],
)
def test_row_fields_are_their_columns(row_type: Any, table: Table) -> None:
    _check(row_type, _table(table))


def test_provider_row_is_its_columns_and_two_counts() -> None:
    # The counts are coalesce(count(...), 0): never null.
    counts = {name: Column(name, Integer, nullable=False) for name in PROVIDER_COUNTS}
    assert ProviderRow._fields[-2:] == PROVIDER_COUNTS
    _check(ProviderRow, {**_table(providers), **counts})


def test_prices_are_every_price_column_of_offerings() -> None:
    # price_at replays price_changed events onto Prices (`_replace`): a price column the
    # sync diffs but Prices lacks would fail there, so the two lists must be one.
    assert Prices._fields == OFFERING_PRICE_COLUMNS
    _check(Prices, {name: _table(offerings)[name] for name in OFFERING_PRICE_COLUMNS})


def test_export_row_fields_are_their_columns() -> None:
    _check(ExportRow, EXPORT_COLUMNS)


def test_types_compared_are_python_types() -> None:
    # The check above compares classes: make sure the annotations resolved to them.
    hints = typing.get_type_hints(OfferingRow)
    assert _python_type(hints["input_price"]) == (Decimal, True)
    assert _python_type(hints["expires_on"]) == (date, True)
    assert _python_type(hints["first_seen_at"]) == (datetime, False)
    assert _python_type(hints["provider_id"]) == (str, False)
