"""schema.graphql at the repo root must match the code (DESIGN §6). Regenerate with:
`.venv/bin/python -m schema.print > schema.graphql`."""

from __future__ import annotations

from pathlib import Path

from schema.compose import schema

PRINTED = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_schema_matches_code() -> None:
    assert PRINTED.read_text() == schema.as_str() + "\n", (
        "schema.graphql is out of date: run `.venv/bin/python -m schema.print > schema.graphql` "
        "and review the diff (deprecate fields, never remove them silently)"
    )
