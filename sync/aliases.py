"""Moving aliases -> the model each one points at. Pure, no I/O.

A moving alias (`claude-sonnet-4-0` '(latest)', `gpt-5-chat-latest`, DeepSeek's
`deepseek-chat`) is a record of its own, never merged into a fixed model; its row's
`alias_of` names the model it serves today:

1. the target `identity.json` `moving_aliases` lists for it (DeepSeek documents its aliases);
2. else the newest dated snapshot of the alias's base id (`claude-sonnet-4-0` ->
   `claude-sonnet-4-20250514`), else the one undated model of that base (`gpt-5-chat`),
   and only when some offering of it costs what the lab charges for the alias: Mistral's
   `mistral-large-latest` (0.5) is Large 3, not the old undated `mistral-large` (2);
3. else None: unknown, never a guess.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sync.identity import identity_data, loose_key, split_date

# The sync's merged records (sync.merge.MergedCatalog), mutable column -> value dicts on
# their way to the database: not the catalog's typed query rows (server.core.catalog.rows).
Record = dict[str, Any]


def point_aliases(
    models: dict[str, Record], offerings: dict[tuple[str, str], Record], alias_ids: set[str]
) -> dict[str, str | None]:
    """Sets `alias_of` on every model row (None but for aliases); returns alias -> target."""
    by_base: dict[tuple[str, str], list[str]] = defaultdict(list)
    for mid, row in models.items():
        row["alias_of"] = None
        if mid not in alias_ids:
            creator, slug = mid.split("/", 1)
            by_base[creator, loose_key(split_date(slug)[0])].append(mid)
    listed = identity_data().moving_aliases
    pointers: dict[str, str | None] = {}
    for alias in sorted(alias_ids & models.keys()):
        if alias in listed:
            target = listed[alias]
        else:
            creator, slug = alias.split("/", 1)
            target = _newest(by_base.get((creator, loose_key(slug.removesuffix("-latest")))))
            target = target if target and _same_price(offerings, alias, target) else None
        if target in models:
            models[alias]["alias_of"] = target
        pointers[alias] = models[alias]["alias_of"]
    return pointers


def _same_price(offerings: dict[tuple[str, str], Record], alias: str, target: str) -> bool:
    """The lab's own price for the alias is a price some provider asks for the target."""
    prices: dict[str, set[tuple[Any, Any]]] = defaultdict(set)
    labs = identity_data().lab_providers
    for (provider, _), row in offerings.items():
        if row["model_id"] == target or (row["model_id"] == alias and provider in labs):
            prices[row["model_id"]].add((row["input_price"], row["output_price"]))
    return bool(prices[alias] & prices[target])


def _newest(candidates: list[str] | None) -> str | None:
    """The latest dated snapshot (`…-20250514`), else the one undated model."""
    stamped = ((split_date(m)[1].replace("-", ""), m) for m in candidates or ())
    dated = sorted((stamp, m) for stamp, m in stamped if stamp)
    if dated:
        return dated[-1][1]
    return candidates[0] if candidates and len(candidates) == 1 else None
