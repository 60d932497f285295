"""The merge: normalized records of all sources -> one canonical catalog. Pure, no I/O.

Identity, in order (DESIGN §5): the override table -> exact ids shared across sources
(models.dev's `openrouter` entries use OpenRouter ids; Hugging Face repo ids) -> the
normalized id (creator aliases, `.` = `-`) -> the word-order-free name. Every key the
sources share is collected first (`sync.shared_keys`), so no result depends on which
source or record comes first. Moving aliases (`-latest`, `deepseek-chat`) are records of
their own that point at a model (`sync.aliases`); a display name's version vetoes a slug
match. The method that linked each record is kept in `external_ids.match_method`
(`minted`: it matched nothing). Artificial Analysis rows follow their own rules
(`sync.aa_match`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from server.core.vocabulary import ProviderKind
from sync.aa_match import CatalogKeys, match_all
from sync.aliases import point_aliases
from sync.host_match import Guard, LabIndex, is_lab_entry, lab_form, match_host, own_model_id
from sync.identity import (
    canonical_creator,
    identity_data,
    model_id,
    name_key,
    slug_key,
)
from sync.merge_rows import model_row, offering_row, own_api_providers
from sync.records import Normalized, ProviderRecord, SourceItem
from sync.shared_keys import (
    SharedKeys,
    collect,
    form_key,
    is_moving_alias,
    names_its_version,
    snapshot_stamps,
    versions_conflict,
)

# Which source's facts win for model attributes (first non-empty value wins).
_FACT_PRIORITY = (
    "models.dev:first",
    "openrouter",
    "models.dev",
    "huggingface",
    "artificialanalysis",
)


@dataclass
class Link:
    model_id: str
    method: str
    variant: str = ""  # Artificial Analysis effort variant the row's scores attach under
    # False when the record's id names another model (its display name vetoed the id):
    # such a record lends none of its id's keys to later records
    lends_keys: bool = True


@dataclass
class Catalog:
    providers: dict[str, ProviderRecord] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    offerings: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    external_ids: dict[tuple[str, str], Link] = field(default_factory=dict)
    scores: dict[tuple[str, str, str, str], dict[str, Any]] = field(default_factory=dict)
    # (source, external id) -> model id, None while unmatched (AA rows that link nothing)
    record_models: dict[tuple[str, str], str | None] = field(default_factory=dict)
    # moving alias model id -> the model it points at (None: unknown)
    aliases: dict[str, str | None] = field(default_factory=dict)
    methods: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    unmatched: Counter[str] = field(default_factory=Counter)


class _Index:
    """Lookup tables from every kind of key to canonical model ids."""

    def __init__(self) -> None:
        self.exact: dict[str, str] = {}  # "source:external id" -> model id
        self.hf: dict[str, str] = {}  # lower-case HF repo id -> model id
        self.normalized: dict[str, str] = {}  # "creator/slug-key" -> model id
        self.by_slug: dict[str, set[str]] = defaultdict(set)  # slug-key -> model ids
        self.by_name: dict[str, set[str]] = defaultdict(set)  # name key -> model ids
        self.names: dict[str, set[str]] = defaultdict(set)  # model id -> display names
        self.hosted: dict[str, str] = {}  # slug key -> model a host's own id created

    def add(
        self,
        mid: str,
        item: SourceItem,
        form: tuple[str | None, str] | None = None,
        trusted: bool = True,  # False: linked by name, its id names another model
    ) -> None:
        self.exact.setdefault(f"{item.source}:{item.external_id}", mid)
        creator, slug = mid.split("/", 1)
        self.normalized.setdefault(f"{creator}/{slug_key(slug)}", mid)
        hint, item_slug = form or (item.creator_hint, item.slug)
        if hint and trusted:
            self.normalized.setdefault(f"{hint}/{slug_key(item_slug)}", mid)
        self.by_slug[slug_key(slug)].add(mid)
        self.by_name[name_key(item.model.name)].add(mid)
        self.names[mid].add(item.model.name)
        if item.model.huggingface_id:
            self.hf.setdefault(item.model.huggingface_id.lower(), mid)
        if trusted and item.offering and item.offering.provider_model_id.count("/") == 1:
            # Open-weight hosts list HF repo ids as their own model ids.
            self.hf.setdefault(item.offering.provider_model_id.lower(), mid)

    def unique(self, table: dict[str, set[str]], key: str) -> str | None:
        found = table.get(key) or set()
        return next(iter(found)) if len(found) == 1 else None


def merge(sources: list[Normalized]) -> Catalog:
    by_source = {n.source: n for n in sources}
    catalog = Catalog()
    index = _Index()
    labs = LabIndex(_known_creators(sources), _provider_ids(sources))
    guard = Guard()
    # Every key the sources share is known before any record is placed.
    md_items = _md_items(by_source)
    shared = collect(_items(by_source, "openrouter"), _lab_ids(md_items))
    contributions: dict[str, list[tuple[str, SourceItem]]] = defaultdict(list)

    def link(item: SourceItem, found: Link | None, create: bool) -> None:
        if found is None and create:
            found = Link(model_id(item.creator_hint or "unknown", item.slug), "minted")
        key = (item.source, item.external_id)
        if found is None:
            catalog.record_models[key] = None
            catalog.unmatched[item.source] += 1
            return
        catalog.record_models[key] = found.model_id
        catalog.external_ids[key] = found
        catalog.methods[item.source][found.method] += 1
        rank = "models.dev:first" if item.first_party else item.source
        contributions[found.model_id].append((rank, item))
        guard.claim(item, found.model_id)
        if item.source == "models.dev" and item.offering is not None and not item.first_party:
            index.add(found.model_id, item, lab_form(item), trusted=found.lends_keys)
        else:
            index.add(found.model_id, item)

    lab_entries = [i for i in md_items if is_lab_entry(i, labs.known_creators)]
    host_entries = [i for i in md_items if not is_lab_entry(i, labs.known_creators)]
    for item in sorted(lab_entries, key=_models_dev_order):
        form = _entry_form(item, shared)
        link(item, _match_lab_entry(item, form, labs, index, guard), create=True)
        _index_lab_entry(item, form, catalog.external_ids[item.source, item.external_id], labs)
    # An entry spelling a lab id literally goes first: it wins a same-provider price conflict.
    for item in sorted(host_entries, key=lambda i: (not labs.literal(i), i.external_id)):
        link(item, _match_host_entry(item, labs, index, guard), create=True)
    for item in _items(by_source, "openrouter"):
        link(item, _match_shared(item, index, f"models.dev:openrouter/{item.external_id}"), True)
    for item in _items(by_source, "huggingface"):
        link(item, _match_shared(item, index, None), create=True)
    aa_items = _items(by_source, "artificialanalysis")
    aa_matches = match_all(aa_items, _aa_keys(index, labs, aa_items))
    for item in aa_items:
        found = aa_matches[item.external_id]
        link(item, Link(found.model_id, found.method, found.variant) if found else None, False)

    for mid, items in contributions.items():
        catalog.models[mid] = model_row(mid, _by_priority(items))
    _collect_offerings(catalog, contributions, own_api_providers(sources))
    _collect_scores(catalog, contributions)
    catalog.aliases = point_aliases(catalog.models, catalog.offerings, labs.alias_ids)
    _collect_providers(catalog, sources)
    return catalog


def _aa_keys(index: _Index, labs: LabIndex, aa_items: list[SourceItem]) -> CatalogKeys:
    """AA rows score fixed models: moving aliases are left out (an override may name one)."""
    normalized = {k: v for k, v in index.normalized.items() if v not in labs.alias_ids}
    names = {k: v for k, v in index.names.items() if k not in labs.alias_ids}
    keys = CatalogKeys(normalized, names, aa_items)
    keys.models |= labs.alias_ids
    return keys


def _md_items(by_source: dict[str, Normalized]) -> list[SourceItem]:
    found = by_source.get("models.dev")
    return found.items if found else []


def _lab_ids(items: list[SourceItem]) -> set[str]:
    return {form_key(i.creator_hint, i.slug) for i in items if i.first_party}


def _known_creators(sources: list[Normalized]) -> frozenset[str]:
    """Labs the sources name as authors: lab providers, alias targets, OpenRouter and AA."""
    data = identity_data()
    known = {canonical_creator(p) for p in data.lab_providers} | set(data.creator_aliases.values())
    for normalized in sources:
        if normalized.source in ("openrouter", "artificialanalysis"):
            known.update(i.creator_hint for i in normalized.items if i.creator_hint)
    known -= data.routers
    return frozenset(known)


def _provider_ids(sources: list[Normalized]) -> frozenset[str]:
    ids = {p.id for n in sources for p in n.providers}
    return frozenset(ids | {canonical_creator(i) for i in ids})


def _items(by_source: dict[str, Normalized], source: str) -> list[SourceItem]:
    """Sorted by external id: the catalog must not depend on the upstream's record order."""
    found = by_source.get(source)
    return sorted(found.items, key=lambda i: i.external_id) if found else []


def _models_dev_order(item: SourceItem) -> tuple[int, str]:
    """First-party entries define canonical ids; then author/slug ids of known creators."""
    return (0 if item.first_party else 1), item.external_id


def _literal_form(item: SourceItem) -> tuple[str, str]:
    creator, slug = lab_form(item)
    return creator or "unknown", slug


def _entry_form(item: SourceItem, shared: SharedKeys) -> tuple[str | None, str]:
    """(creator, slug) a lab entry names, after the keys OpenRouter shares (HF repo ids)."""
    if item.first_party:
        return item.creator_hint, item.slug
    creator, slug = lab_form(item)
    assert item.offering is not None
    router_copy = item.offering.provider_id in identity_data().routers
    return shared.rewrite(creator, slug, router_copy) or (creator, slug)


def _index_lab_entry(
    item: SourceItem, form: tuple[str | None, str], found: Link, labs: LabIndex
) -> None:
    """What later entries may match: a lab's alias only by its spelling; a fixed model by
    every key of the entry's form, unless the entry's id names another model."""
    mid = found.model_id
    creator = form[0] or mid.split("/", 1)[0]
    if item.first_party and is_moving_alias(creator, item.slug, item.model.name):
        labs.add_alias(mid, creator, form[1], item.model.name)
        return
    if mid in labs.alias_ids or not found.lends_keys:
        return
    labs.add(mid, creator, form[1], item.model.name)
    if item.first_party:
        labs.add_own(mid, creator, form[1], item.model.name)
    else:  # also the HF repo spelling a rewritten form came from
        labs.add(mid, *_literal_form(item), item.model.name)


def _alias_like(item: SourceItem) -> bool:
    creator, slug = lab_form(item) if item.offering else (item.creator_hint, item.slug)
    return is_moving_alias(creator, slug, item.model.name)


def _match_lab_entry(
    item: SourceItem, form: tuple[str | None, str], labs: LabIndex, index: _Index, guard: Guard
) -> Link | None:
    if item.first_party:  # the lab's own id is the canonical id
        return Link(model_id(item.creator_hint or "unknown", item.slug), "exact")
    creator, slug = form
    key = form_key(creator, slug)
    link: Link | None = None
    if key in labs.aliases and _alias_like(item) and labs.aliases[key].endswith("/" + slug.lower()):
        # A moving alias takes only copies of itself; other spellings name a fixed model.
        link = Link(labs.aliases[key], "normalized")
    else:
        found = labs.normalized.get(key) or (labs.looser(creator, slug, True) if creator else None)
        found = found or index.normalized.get(key)
        if found in labs.alias_ids:
            found = None
        if found is None and item.offering is not None:
            hf = index.hf.get(item.offering.provider_model_id.lower())
            link = Link(hf, "hf-id") if hf and hf not in labs.alias_ids else None
        elif found is not None:
            link = Link(found, "normalized")
    if link is not None and versions_conflict(item.model.name, link.model_id):
        link = _by_name(item, labs)
    if form == lab_form(item):  # an HF id OpenRouter shares outranks a stamp in the name
        link = _snapshot_named(item, link, labs)
    if link is None and creator:
        named = labs.own_name(creator, slug, item.model.name)
        # the id is another spelling of that model only when it carries the name's version
        link = (
            Link(named, "name", lends_keys=names_its_version(item.model.name, slug))
            if named
            else None
        )
    if link is None or not guard.allows(item, link.model_id):
        own = model_id(creator or "unknown", slug)
        if not guard.allows(item, own):  # the provider lists this id apart at another price
            assert item.offering is not None
            own = model_id(item.offering.provider_id, item.offering.provider_model_id)
        return Link(own, "minted")
    return link


def _by_name(item: SourceItem, labs: LabIndex) -> Link | None:
    """The one lab model with the entry's display name (its id's version was wrong)."""
    found = labs.unique_name(item.model.name)
    return Link(found, "name", lends_keys=False) if found else None


def _snapshot_named(item: SourceItem, link: Link | None, labs: LabIndex) -> Link | None:
    """Vercel's `deepseek-v3` named 'DeepSeek V3 0324' is the lab's `deepseek-v3-0324`."""
    if link is None:
        return None
    creator, slug = link.model_id.split("/", 1)
    for stamp in snapshot_stamps(item.model.name):
        if stamp not in slug:
            sibling = labs.normalized.get(f"{creator}/{slug_key(slug)}-{stamp}")
            if sibling and sibling not in labs.alias_ids:
                return Link(sibling, "name", lends_keys=False)
    return link


def _match_host_entry(item: SourceItem, labs: LabIndex, index: _Index, guard: Guard) -> Link:
    creator, slug = lab_form(item)
    own_key = form_key(creator or "*", slug)
    if _alias_like(item) and own_key in labs.aliases:
        return Link(labs.aliases[own_key], "normalized")
    found = match_host(item, labs, index.hf)
    if found and versions_conflict(item.model.name, found.model_id):
        found = None
        by_name = _by_name(item, labs)
        if by_name and guard.allows(item, by_name.model_id):
            return by_name
    snapshot = _snapshot_named(item, Link(found.model_id, found.method) if found else None, labs)
    if snapshot and guard.allows(item, snapshot.model_id):
        return snapshot
    own = own_model_id(item, labs)
    creator, slug = own.split("/", 1)
    if labs.is_host(creator) and any(c.isdigit() for c in slug):
        # Several hosts list the same versioned id no lab lists: one model, many offerings.
        # (Bare words such as `auto` name each host's own product and stay apart.)
        shared = index.hosted.setdefault(slug_key(slug), own)
        if shared != own and guard.allows(item, shared):
            return Link(shared, "normalized")
    if not guard.allows(item, own):
        assert item.offering is not None
        own = model_id(item.offering.provider_id, item.offering.provider_model_id)
    return Link(own, "minted")


def _match_shared(item: SourceItem, index: _Index, exact_key: str | None) -> Link | None:
    if exact_key and exact_key in index.exact:
        return Link(index.exact[exact_key], "exact")
    hf_id = item.model.huggingface_id
    if hf_id and hf_id.lower() in index.hf:
        return Link(index.hf[hf_id.lower()], "hf-id")
    found = index.normalized.get(f"{item.creator_hint}/{slug_key(item.slug)}")
    if found:
        return Link(found, "normalized")
    found = index.unique(index.by_name, name_key(item.model.name))
    return Link(found, "name") if found else None


def _by_priority(items: list[tuple[str, SourceItem]]) -> list[SourceItem]:
    return [item for _, item in sorted(items, key=lambda p: _FACT_PRIORITY.index(p[0]))]


def _collect_offerings(
    catalog: Catalog,
    contributions: dict[str, list[tuple[str, SourceItem]]],
    own_api: frozenset[str] = frozenset(),
) -> None:
    found: dict[tuple[str, str], list[tuple[str, SourceItem]]] = defaultdict(list)
    for mid, items in contributions.items():
        for _, item in items:
            if item.offering is not None:
                key = (item.offering.provider_id, item.offering.provider_model_id)
                found[key].append((mid, item))
    for key, candidates in found.items():
        # The provider's own API wins (OpenRouter API over models.dev's copy of it).
        candidates.sort(key=lambda c: c[1].source != key[0])
        mid, winner = candidates[0]
        if key[0] in own_api and winner.source != key[0]:
            continue  # the provider's own API does not list it: a copy cannot keep it alive
        others = [item for _, item in candidates[1:]]
        catalog.offerings[key] = offering_row(mid, winner, others)


def _collect_scores(
    catalog: Catalog, contributions: dict[str, list[tuple[str, SourceItem]]]
) -> None:
    for mid, items in contributions.items():
        for _, item in items:
            variant = catalog.external_ids[item.source, item.external_id].variant
            for score in item.scores:
                key = (mid, item.source, score.metric, variant)
                catalog.scores.setdefault(
                    key,
                    {
                        "model_id": mid,
                        "source": item.source,
                        "metric": score.metric,
                        "variant": variant,
                        "value": score.value,
                        "unit": score.unit,
                        "self_reported": score.self_reported,
                    },
                )
    _denormalize(catalog)


def _denormalize(catalog: Catalog) -> None:
    """Copy headline scores onto model rows (list sorts need no join); the cheapest prices
    are derived by sync.write from the stored offerings (sync.cheapest)."""
    for column, metric in (
        ("intelligence_index", "intelligence_index"),
        ("output_tokens_per_second", "median_output_tokens_per_second"),
    ):
        best: dict[str, tuple[bool, Any]] = {}
        for (mid, _, m, variant), row in catalog.scores.items():
            if m == metric:
                rank = (variant == "", row["value"])  # the base variant, else the best one
                if mid not in best or rank > best[mid]:
                    best[mid] = rank
        for mid, (_, value) in best.items():
            catalog.models[mid][column] = value


def _collect_providers(catalog: Catalog, sources: list[Normalized]) -> None:
    for normalized in sources:
        for provider in normalized.providers:
            catalog.providers.setdefault(provider.id, provider)
    for provider_id, _ in catalog.offerings:
        if provider_id not in catalog.providers:
            name = "OpenRouter" if provider_id == "openrouter" else provider_id
            kind = ProviderKind.ROUTER if provider_id == "openrouter" else None
            catalog.providers[provider_id] = ProviderRecord(provider_id, name, kind)
