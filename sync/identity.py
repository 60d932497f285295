"""Identity helpers: creator aliases, slug and name normalization, the override table.

The data lives in `sync/data/` so a wrong link is fixed by editing JSON, not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import orjson

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# AA lists effort variants as separate rows; the suffix names the variant.
EFFORT_SUFFIXES = (
    "non-reasoning",
    "reasoning",
    "adaptive",
    "minimal",
    "medium",
    "xhigh",
    "high",
    "low",
    "max",
)


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(resources.files("sync").joinpath("data", name).read_bytes())
    return data


@dataclass(frozen=True)
class IdentityData:
    creator_aliases: dict[str, str]
    lab_providers: frozenset[str]
    routers: frozenset[str]
    overrides: dict[str, dict[str, str]]


@cache
def identity_data() -> IdentityData:
    hints = _load("identity.json")
    overrides = {
        source: {str(k): str(v).lower() for k, v in table.items()}
        for source, table in _load("overrides.json").items()
        if not source.startswith("_") and isinstance(table, dict)
    }
    return IdentityData(
        creator_aliases={k.lower(): v for k, v in hints["creator_aliases"].items()},
        lab_providers=frozenset(hints["lab_providers"]),
        routers=frozenset(hints["routers"]),
        overrides=overrides,
    )


def canonical_creator(raw: str) -> str:
    """`x-ai` -> `xai`, `Qwen` -> `alibaba`; unknown creators are just lower-cased."""
    lowered = raw.strip().lower().lstrip("~")
    return identity_data().creator_aliases.get(lowered, lowered)


def slug_key(slug: str) -> str:
    """`claude-opus-4.1` and `Claude-Opus-4-1` -> `claude-opus-4-1`."""
    return _NON_ALNUM.sub("-", slug.lower()).strip("-")


def name_key(name: str) -> str:
    """Word-order-free key: `Claude 4.5 Haiku` and `claude-haiku-4-5` agree.

    A leading `Author:` (OpenRouter display names) and parenthesised variants are dropped.
    """
    if ":" in name:
        name = name.split(":", 1)[1]
    name = re.sub(r"\([^)]*\)", " ", name)
    words = [w for w in _NON_ALNUM.split(name.lower()) if w]
    return " ".join(sorted(words))


def split_variant(slug: str) -> tuple[str, str]:
    """AA slug -> (base slug, effort variant); `gpt-5-5-xhigh` -> (`gpt-5-5`, `xhigh`)."""
    key = slug_key(slug)
    for suffix in EFFORT_SUFFIXES:
        if key.endswith("-" + suffix):
            return key[: -len(suffix) - 1], suffix
    return key, ""


def model_id(creator: str, slug: str) -> str:
    return f"{creator}/{slug.lower()}"


def override_for(source: str, external_id: str) -> str | None:
    return identity_data().overrides.get(source, {}).get(external_id)
