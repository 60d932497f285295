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
# Further words AA stacks onto a variant (`-non-reasoning-low-effort`, `-4-1-opus-thinking`).
_STACKED_SUFFIXES = (*EFFORT_SUFFIXES, "thinking", "effort")
# Words that name a packaging, not a different model: `gemma-3-12b-it` = AA `gemma-3-12b`.
_FILLER_WORDS = frozenset({"instruct", "it", "v1"})  # `nova-2-lite-v1` = AA `nova-2-0-lite`
_MONTHS = "jan|feb|mar|apr|may|jun|june|jul|july|aug|sep|sept|oct|nov|dec"
# A trailing snapshot date: 20250805, 0420 (MMDD), 05-06, 04-2025, may-2024, june-24.
_DATE_SUFFIX = re.compile(
    r"-(?:20\d{2}(?:0[1-9]|1[0-2])\d{2}|(?:0[1-9]|1[0-2])[0-3]\d|(?:0[1-9]|1[0-2])-(?:[0-3]\d|20\d{2})"
    rf"|(?:{_MONTHS})-(?:20)?\d{{2}})$"
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
    host_ids: dict[str, list[str]]  # word lists for sync.host_ids
    lab_snapshots: dict[str, Any]  # families + derivative words (sync.host_match)
    # lab ids that move to newer models (`deepseek/deepseek-chat`) -> what they point at now
    moving_aliases: dict[str, str | None]


@cache
def identity_data() -> IdentityData:
    hints = _load("identity.json")
    overrides = {
        source: {str(k): _override_target(v) for k, v in table.items()}
        for source, table in _load("overrides.json").items()
        if not source.startswith("_") and isinstance(table, dict)
    }
    return IdentityData(
        creator_aliases={k.lower(): v for k, v in hints["creator_aliases"].items()},
        lab_providers=frozenset(hints["lab_providers"]),
        routers=frozenset(hints["routers"]),
        overrides=overrides,
        host_ids={k: list(v) for k, v in hints.get("host_ids", {}).items() if k[0] != "_"},
        lab_snapshots=dict(hints.get("lab_snapshots", {})),
        moving_aliases={
            k.lower(): v.lower() if v else None
            for k, v in hints.get("moving_aliases", {}).get("ids", {}).items()
        },
    )


def _override_target(entry: Any) -> str:
    """`{"model_id": …, "comment": why}`; a bare model id string is accepted too."""
    target = entry.get("model_id") if isinstance(entry, dict) else entry
    if not isinstance(target, str) or "/" not in target:
        raise ValueError(f"overrides.json: entry without a model_id: {entry!r}")
    return target.lower()


def canonical_creator(raw: str) -> str:
    """`x-ai` -> `xai`, `Qwen` -> `alibaba`; unknown creators are just lower-cased."""
    lowered = raw.strip().lower().lstrip("~")
    return identity_data().creator_aliases.get(lowered, lowered)


def slug_key(slug: str) -> str:
    """`claude-opus-4.1` and `Claude-Opus-4-1` -> `claude-opus-4-1`."""
    return _NON_ALNUM.sub("-", slug.lower()).strip("-")


def compact_creator(creator: str) -> str:
    """`nous-research` and `nousresearch`, `reka-ai` and `rekaai` compare equal."""
    return re.sub(r"[^a-z0-9]", "", canonical_creator(creator))


def version_words(text: str) -> list[str]:
    """Words with version numbers kept whole: `claude-4-5-haiku` -> [claude, 4.5, haiku].

    Runs of number-only words are one version, so reordering words never turns GPT-4.5
    into GPT-5.4.
    """
    words: list[str] = []
    for word in (w for w in _NON_ALNUM.split(text.lower()) if w):
        if word.isdigit() and words and words[-1].replace(".", "").isdigit():
            words[-1] = f"{words[-1]}.{word}"
        else:
            words.append(word)
    return words


def name_key(name: str) -> str:
    """Word-order-free key: `Claude 4.5 Haiku` and `claude-haiku-4-5` agree.

    A leading `Author:` (OpenRouter display names) and parenthesised variants are dropped.
    """
    if ":" in name:
        name = name.split(":", 1)[1]
    name = re.sub(r"\([^)]*\)", " ", name)
    return " ".join(sorted(version_words(name)))


_EFFORT_WORDS = frozenset(
    {"reasoning", "non", "adaptive", "minimal", "low", "medium", "high", "xhigh", "max",
     "effort", "thinking"}
)  # fmt: skip


def variant_name_key(name: str) -> str:
    """`name_key` for names whose parentheses may hold more than an effort level.

    `Claude 4.5 Haiku (Non-reasoning)` drops its parenthesis; `GPT-5 (ChatGPT)` and
    `Gemini 1.5 Pro (May '24)` keep theirs, they name a different model or snapshot.
    """

    def keep_or_drop(group: re.Match[str]) -> str:
        words = set(_NON_ALNUM.split(group.group(1).lower())) - {""}
        return " " if words <= _EFFORT_WORDS else f" {group.group(1)} "

    if ":" in name:
        name = name.split(":", 1)[1]
    return " ".join(sorted(version_words(re.sub(r"\(([^)]*)\)", keep_or_drop, name))))


def loose_key(slug: str) -> str:
    """Word-order-free slug key without packaging words: `llama-3-1-instruct-70b` and
    `llama-3.1-70b-instruct` agree, `claude-4-1-opus` and `claude-opus-4-1` too; a
    version `2.0` is `2` (`nova-2-0-lite` = `nova-2-lite`)."""
    words = (w.removesuffix(".0") for w in version_words(slug) if w not in _FILLER_WORDS)
    return " ".join(sorted(words))


def strip_variants(slug: str) -> tuple[str, str]:
    """Stacked AA variant words: `claude-sonnet-4-6-non-reasoning-low-effort` ->
    (`claude-sonnet-4-6`, `non-reasoning-low-effort`); no variant -> (slug key, "")."""
    key = slug_key(slug)
    stripped: list[str] = []
    while True:
        suffix = next((s for s in _STACKED_SUFFIXES if key.endswith("-" + s)), None)
        if suffix is None:
            return key, "-".join(reversed(stripped))
        key = key[: -len(suffix) - 1]
        stripped.append(suffix)


def split_date(slug: str) -> tuple[str, str]:
    """A trailing snapshot date: `deepseek-v4-flash-0420` -> (`deepseek-v4-flash`, `0420`).

    YYMM version numbers (Mistral's `2411`) are not dates: month 24 does not exist.
    """
    key = slug_key(slug)
    found = _DATE_SUFFIX.search(key)
    if found is None or found.start() == 0:
        return key, ""
    return key[: found.start()], found.group(0)[1:]


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
