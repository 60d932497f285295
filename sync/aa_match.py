"""Artificial Analysis rows -> catalog models. Pure, no I/O.

AA shares no key with the other sources, lists one model as several effort-variant rows
and spells slugs its own way. Rules, first hit wins (method in brackets):

1. the override table, keyed by AA UUID [override];
2. the full slug: creator + normalized slug, or a slug no other model uses [normalized];
3. the slug without stacked effort words (`-low`, `-non-reasoning-low-effort`,
   `-thinking`); the dropped words become the score variant [normalized];
4. for 2 and 3, the word-order-free key within the creator (`claude-4-5-haiku` =
   `claude-haiku-4-5`, `-instruct`/`-it` ignored), only when one model has it [normalized];
5. the slug without a trailing snapshot date (`deepseek-v4-flash-0420`), only when AA
   does not list the undated slug itself and the catalog holds no other dated snapshot of
   it, which would make the undated id ambiguous [normalized];
6. the display name, version-aware, within the creator, else across all creators [name].

A key shared by several catalog models never links (a provider listing two ids separately
keeps them apart). When two AA rows land on the same (model, variant), only the strongest
links; the other stays unmatched rather than overwrite its scores.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from sync.identity import (
    compact_creator,
    loose_key,
    override_for,
    slug_key,
    split_date,
    strip_variants,
    variant_name_key,
)
from sync.records import SourceItem

_STRENGTH = {"override": 0, "exact": 1, "normalized": 2, "name": 3}


@dataclass(frozen=True)
class AaMatch:
    model_id: str
    method: str
    variant: str


@dataclass(frozen=True)
class _Form:
    slug: str
    variant: str
    dated: bool


class CatalogKeys:
    """Lookup tables over the models the other sources produced."""

    def __init__(
        self, normalized: dict[str, str], names: dict[str, set[str]], aa_items: list[SourceItem]
    ) -> None:
        # normalized: "creator/slug-key" -> model id; names: model id -> its display names
        self.normalized = normalized
        self.models = set(names)
        self.by_slug: dict[str, set[str]] = defaultdict(set)
        self.loose: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.dated: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.names: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.all_names: dict[str, set[str]] = defaultdict(set)
        for mid, model_names in names.items():
            creator, slug = mid.split("/", 1)
            creator = compact_creator(creator)
            self.by_slug[slug_key(slug)].add(mid)
            self.loose[creator, loose_key(slug)].add(mid)
            undated, date = split_date(slug)
            if date:
                self.dated[creator, loose_key(undated)].add(mid)
            for name in model_names:
                self.names[creator, variant_name_key(name)].add(mid)
                self.all_names[variant_name_key(name)].add(mid)
        # Undated bases AA lists itself: a dated AA row is then a different snapshot.
        self.aa_bases = {(_creator(item), loose_key(_base(item))) for item in aa_items}
        # Dates AA lists per undated base: two snapshots make the undated id ambiguous.
        self.aa_dates: dict[tuple[str, str], set[str]] = defaultdict(set)
        for item in aa_items:
            undated, date = split_date(_base(item))
            if date:
                self.aa_dates[_creator(item), loose_key(undated)].add(date)


def match_all(items: list[SourceItem], keys: CatalogKeys) -> dict[str, AaMatch | None]:
    """AA external id -> its match (None = unmatched), conflicts resolved."""
    found = {item.external_id: _match(item, keys) for item in items}
    claims: dict[tuple[str, str], list[SourceItem]] = defaultdict(list)
    for item in items:
        match = found[item.external_id]
        if match is not None:
            claims[match.model_id, match.variant].append(item)
    by_model: dict[str, list[SourceItem]] = defaultdict(list)
    for (mid, _), rivals in sorted(claims.items()):
        rivals.sort(key=lambda i: _rank(i, found[i.external_id]))
        by_model[mid].append(rivals[0])
        for loser in rivals[1:]:
            found[loser.external_id] = None
    for rows in by_model.values():
        # Rows of another base slug (`hy3` next to `hy3-preview`) are another model.
        best = _base(min(rows, key=lambda i: _rank(i, found[i.external_id])))
        for row in rows:
            if _base(row) != best:
                found[row.external_id] = None
    return found


def _rank(item: SourceItem, match: AaMatch | None) -> tuple[int, int, str, str]:
    strength = _STRENGTH[match.method] if match else len(_STRENGTH)
    full = _full_slug(item)
    return strength, len(full), full, item.external_id


def _creator(item: SourceItem) -> str:
    return compact_creator(item.creator_hint or "")


def _full_slug(item: SourceItem) -> str:
    return slug_key(str(item.extra.get("full_slug") or item.slug))


def _base(item: SourceItem) -> str:
    return strip_variants(_full_slug(item))[0]


def _forms(full: str) -> Iterator[_Form]:
    yield _Form(full, "", dated=False)
    base, variant = strip_variants(full)
    if variant:
        yield _Form(base, variant, dated=False)
    undated, date = split_date(base)
    if date:
        undated, inner = strip_variants(undated)
        yield _Form(undated, "-".join(v for v in (inner, variant) if v), dated=True)


def _match(item: SourceItem, keys: CatalogKeys) -> AaMatch | None:
    forced = override_for(item.source, item.external_id)
    if forced:
        variant = list(_forms(_full_slug(item)))[-1].variant
        return AaMatch(forced, "override", variant) if forced in keys.models else None
    creator = _creator(item)
    for form in _forms(_full_slug(item)):
        if form.dated and not _undated_is_safe(form.slug, creator, keys):
            continue
        found = _by_slug(form, item, creator, keys)
        if found:
            return AaMatch(found, "normalized", form.variant)
    name = variant_name_key(item.model.name)
    found = _unique(keys.names.get((creator, name))) or _unique(keys.all_names.get(name))
    variant = list(_forms(_full_slug(item)))[-1].variant
    return AaMatch(found, "name", variant) if found else None


def _by_slug(form: _Form, item: SourceItem, creator: str, keys: CatalogKeys) -> str | None:
    """The creator's own model first; a slug unique across all creators last (hosts'
    copies such as `qiniu-ai/claude-4.1-opus` must not win over `anthropic/…`)."""
    own = keys.normalized.get(f"{item.creator_hint}/{form.slug}") or _unique(
        keys.loose.get((creator, loose_key(form.slug)))
    )
    if own and _thinking(form.variant) and "instruct" in own.split("/", 1)[1]:
        # Labs that ship the reasoning model separately call it `…-thinking` (Qwen3 Next,
        # Qwen3 2507); the `…-instruct` sibling is the non-reasoning one, never this row.
        return _unique(keys.loose.get((creator, loose_key(f"{form.slug}-thinking"))))
    return own or _unique(keys.by_slug.get(form.slug))


def _thinking(variant: str) -> bool:
    words = variant.split("-")
    return "thinking" in words or ("reasoning" in words and "non" not in words)


def _undated_is_safe(undated: str, creator: str, keys: CatalogKeys) -> bool:
    key = (creator, loose_key(undated))
    return (
        key not in keys.aa_bases
        and not keys.dated.get(key)
        and len(keys.aa_dates.get(key, ())) <= 1
    )


def _unique(found: set[str] | None) -> str | None:
    return next(iter(found)) if found and len(found) == 1 else None
