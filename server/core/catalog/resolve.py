"""Resolve any spelling of a model name to the canonical model (DESIGN §6 resolveModel).

Rules, in order (the first that matches wins and is reported):
  id             the canonical id, any case
  external_id    an id some source uses (OpenRouter, Artificial Analysis, models.dev, HF)
  huggingface_id the model's Hugging Face repository id, any case
  normalized     equal after normalisation: case, vendor prefix, ':variant' tag, spaces and
                 underscores as '-', '.' between digits as '-', a trailing date snapshot
  reordered      the same words in another order ("claude-4-sonnet" = "claude-sonnet-4")
Otherwise: not found, with the closest names by trigram similarity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog.models import MODEL_COLUMNS
from server.core.catalog.rows import ModelRow
from server.core.errors import InvalidInput
from server.core.tables import external_ids, models

_DATE_SUFFIX = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2}|\d{4})$")
_DIGIT_DOT = re.compile(r"(?<=\d)\.(?=\d)")
_NON_WORD = re.compile(r"[^a-z0-9]+")
SUGGESTION_LIMIT = 5


@dataclass(frozen=True)
class Resolved:
    model: ModelRow
    rule: str
    matched: str  # the identifier that matched (for the external_id rule, which source)


@dataclass(frozen=True)
class NotResolved:
    suggestions: list[ModelRow]


def name_key(name: str) -> str:
    """Normalise one spelling: 'Anthropic/Claude-Sonnet-4.0-20250514' -> 'claude-sonnet-4-0'."""
    value = name.strip().lower().split(":", 1)[0]
    value = value.rsplit("/", 1)[-1]
    value = _DIGIT_DOT.sub("-", value)
    value = _NON_WORD.sub("-", value).strip("-")
    value = value.removesuffix("-latest")
    return _DATE_SUFFIX.sub("", value)


def reordered_key(name: str) -> str:
    return "-".join(sorted(name_key(name).split("-")))


def _vendor(name: str) -> str | None:
    head, sep, _ = name.strip().lower().rpartition("/")
    return head.rsplit("/", 1)[-1] if sep else None


async def _exact(conn: AsyncConnection, name: str) -> Resolved | None:
    lowered = name.strip().lower()
    by_id = select(*MODEL_COLUMNS).where(
        or_(models.c.id == lowered, func.lower(models.c.huggingface_id) == lowered)
    )
    rows = [ModelRow._make(r) for r in await conn.execute(by_id)]
    for row in rows:
        if row.id == lowered:
            return Resolved(row, "id", row.id)
    if rows and rows[0].huggingface_id is not None:
        return Resolved(rows[0], "huggingface_id", rows[0].huggingface_id)
    by_ext = (
        select(*MODEL_COLUMNS, external_ids.c.source)
        .join(models, models.c.id == external_ids.c.model_id)
        .where(func.lower(external_ids.c.external_id) == lowered)
        .order_by(external_ids.c.source)
    )
    hit = (await conn.execute(by_ext)).first()
    if hit is None:
        return None
    # The source is the last column, after ModelRow's.
    return Resolved(ModelRow._make(hit[:-1]), "external_id", str(hit[-1]))


async def _candidates(conn: AsyncConnection) -> tuple[list[ModelRow], list[tuple[str, str]]]:
    rows = [ModelRow._make(r) for r in await conn.execute(select(*MODEL_COLUMNS))]
    ext = [
        (r[0], r[1])
        for r in await conn.execute(select(external_ids.c.model_id, external_ids.c.external_id))
    ]
    return rows, ext


def _spellings(rows: list[ModelRow], ext: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """model id -> every known spelling (id, name, HF id, external ids)."""
    spellings: dict[str, set[str]] = {r.id: {r.id, r.name} for r in rows}
    for r in rows:
        if r.huggingface_id:
            spellings[r.id].add(r.huggingface_id)
    for model_id, external in ext:
        spellings.setdefault(model_id, set()).add(external)
    return spellings


def _pick(matches: list[ModelRow], vendor: str | None) -> ModelRow:
    """Prefer the named vendor's model, then active ones, then the id order."""

    def rank(r: ModelRow) -> tuple[bool, bool, str]:
        return (vendor is not None and r.creator_id != vendor, r.status != "active", r.id)

    return min(matches, key=rank)


async def resolve_model(conn: AsyncConnection, name: str) -> Resolved | NotResolved:
    if not name.strip():
        raise InvalidInput("name must not be empty")
    exact = await _exact(conn, name)
    if exact is not None:
        return exact
    rows, ext = await _candidates(conn)
    by_id = {r.id: r for r in rows}
    spellings = _spellings(rows, ext)
    for rule, key in (("normalized", name_key), ("reordered", reordered_key)):
        wanted = key(name)
        matches = [
            by_id[m]
            for m, names in spellings.items()
            if m in by_id and wanted in {key(s) for s in names}
        ]
        if wanted and matches:
            return Resolved(_pick(matches, _vendor(name)), rule, wanted)
    return NotResolved(await suggestions(conn, name))


async def suggestions(conn: AsyncConnection, name: str) -> list[ModelRow]:
    term = name.strip().lower()
    score = func.greatest(
        func.similarity(models.c.search_text, term),
        func.word_similarity(term, models.c.search_text),
    )
    query = (
        select(*MODEL_COLUMNS)
        .where(score > 0.2, models.c.status != "removed")
        .order_by(score.desc(), models.c.id)
        .limit(SUGGESTION_LIMIT)
    )
    return [ModelRow._make(r) for r in await conn.execute(query)]
