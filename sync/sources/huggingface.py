"""Hugging Face Hub `GET /api/models`: popularity of open-weight repos, no prices.

Pages are followed through the `Link: <…>; rel="next"` header up to HUGGINGFACE_MAX_PAGES.
Saved pages (file:// URLs) follow the shared-payload naming instead: `X.json`, then
`X.page2.json`, `X.page3.json`… beside it, while they exist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from server.core.vocabulary import Source
from sync import parse
from sync.fetch import Fetcher, SourceFailure
from sync.identity import canonical_creator
from sync.records import InvalidRecord, ModelFacts, Normalized, RawRecord, SourceItem
from sync.sources.common import id_keyed_records, normalize_each

SOURCE = Source.HUGGINGFACE.value  # plain str: orjson takes str keys only
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?', re.IGNORECASE)
_PAGE_SUFFIX = re.compile(r"\.page(\d+)\.json\Z")


def next_saved_page(url: str) -> str | None:
    """file:///d/X.json -> file:///d/X.page2.json (X.pageN -> X.pageN+1) when it exists."""
    path = Path(unquote(urlsplit(url).path))
    match = _PAGE_SUFFIX.search(path.name)
    if match:
        stem, number = path.name[: match.start()], int(match.group(1)) + 1
    elif path.name.endswith(".json"):
        stem, number = path.name[: -len(".json")], 2
    else:
        return None
    candidate = path.with_name(f"{stem}.page{number}.json")
    return candidate.as_uri() if candidate.is_file() else None


def next_link(header: str | None) -> str | None:
    """The rel="next" URL of a GitHub-style Link header, or None on the last page."""
    if not header:
        return None
    match = _NEXT.search(header)
    return match.group(1) if match else None


async def fetch(fetcher: Fetcher, url: str, max_pages: int) -> Any:
    rows: list[Any] = []
    next_url: str | None = url
    for _ in range(max_pages):
        if next_url is None:
            break
        page = await fetcher.get_json(next_url)
        if not isinstance(page.body, list):
            raise SourceFailure("huggingface: expected a JSON list of models")
        rows.extend(page.body)
        if next_url.startswith("file://"):
            next_url = next_saved_page(next_url)
        else:
            next_url = next_link(page.header("Link"))
    return rows


def records(document: Any) -> list[RawRecord]:
    if not isinstance(document, list):
        raise SourceFailure("huggingface: expected a JSON list of models")
    return id_keyed_records(SOURCE, document)


def normalize(document: Any) -> Normalized:
    return normalize_records(records(document))


def normalize_records(raw: list[RawRecord]) -> Normalized:
    return normalize_each(SOURCE, raw, _item)


def _count(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRecord(f"{what} is not a non-negative integer")
    return value


def _item(record: RawRecord) -> SourceItem:
    raw = record.payload
    owner, _, name = record.external_id.partition("/")
    if not name:
        raise InvalidRecord("id is not owner/name")
    tags = parse.string_list(raw.get("tags"))
    license_tag = next((t.split(":", 1)[1] for t in tags if t.startswith("license:")), None)
    created = parse.iso_datetime(raw.get("createdAt"))
    trending = raw.get("trendingScore")
    facts = ModelFacts(
        name=name,
        open_weights=True,  # a public Hub repo publishes its weights
        license=license_tag,
        release_date=created.date() if created else None,
        huggingface_id=record.external_id,
        downloads=_count(raw.get("downloads"), "downloads"),
        likes=_count(raw.get("likes"), "likes"),
        trending_score=float(trending) if isinstance(trending, int | float) else None,
    )
    return SourceItem(
        source=SOURCE,
        external_id=record.external_id,
        creator_hint=canonical_creator(owner),
        slug=name,
        model=facts,
        extra={
            "pipeline_tag": parse.opt_text(raw.get("pipeline_tag")),
            "library_name": parse.opt_text(raw.get("library_name")),
        },
    )
