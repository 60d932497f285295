"""models.dev entries of hosts and gateways -> lab models. Pure, no I/O.

Lab models are the ones a lab lists itself (models.dev lab providers) or that an
`author/slug` id of a known creator names (OpenRouter authors, AA creators, the lab and
alias tables). A host's entry is tried form by form (`sync.host_ids.decode`, most literal
first) against them only, so one host's odd spelling never becomes the target of another
host. Per form, in order (method in brackets):

1. the creator's model with that normalized slug (`.` = `-`, case) [normalized];
2. the creator's one model with the same compact slug (`llama3-1-70b` = `llama-3.1-70b`),
   then the same without packaging words (`gemma3:27b` = `gemma-3-27b-it`), then the
   word-order-free key (`claude-4.0-opus` = `claude-opus-4`) [normalized];
3. with no creator in the id: the one lab model with one of those keys [normalized];
then the Hugging Face repo id [hf-id], then the one lab model with the display name [name].
Keys shared by two lab models never link. A provider that lists two ids which land on one
model with different prices keeps them apart (`Guard`). An entry that links nothing
becomes its own model under the creator its id names (`@cf/meta/…` -> `meta`), else
under the host.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sync.host_ids import HostForm, HostId, decode
from sync.identity import (
    identity_data,
    loose_key,
    model_id,
    name_key,
    slug_key,
    split_date,
    variant_name_key,
)
from sync.records import SourceItem

_FILLER = re.compile(r"-(?:instruct|it)(?=-|$)|-v1$")  # `nova-pro-v1` = Bedrock `nova-pro`
_PREVIEW = re.compile(r"-preview$")
# A quantized build of the same weights (`GLM-5.1-FP8`, `…-Instruct-FP8`): one model, its own
# offering; a provider listing both at different prices keeps them apart (`Guard`).
_QUANTIZED = re.compile(r"[-_](?:fp8|fp4|nvfp4|bf16|fp16|int4|int8|awq|gptq)$", re.IGNORECASE)


def compact_key(slug: str) -> str:
    """Punctuation-free: `llama3-1-70b`, `llama-3.1-70b` and `Llama3.1_70B` agree."""
    return re.sub(r"[^a-z0-9]", "", slug.lower())


def bare_key(slug: str) -> str:
    """`compact_key` without packaging words: `gemma-3-27b-it` = `gemma3:27b`."""
    return compact_key(_FILLER.sub("", slug_key(slug)))


@dataclass(frozen=True)
class Found:
    model_id: str
    method: str


@dataclass
class LabIndex:
    """Keys of the lab models only."""

    known_creators: frozenset[str]
    provider_ids: frozenset[str]
    normalized: dict[str, str] = field(default_factory=dict)  # creator/slug-key -> id
    by_key: dict[tuple[str, str, str], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )  # (kind, creator or "*", key) -> ids
    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    aliases: dict[str, str] = field(default_factory=dict)  # creator/slug-key -> alias model
    alias_ids: set[str] = field(default_factory=set)
    alias_names: set[str] = field(default_factory=set)
    # (creator, name key) -> the lab's own models with that display name
    own_names: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, mid: str, creator: str, slug: str, name: str) -> None:
        generic = slug_key(slug) in _generic_ids()
        for form_creator, form_slug in {(creator, slug), tuple(mid.split("/", 1))}:
            self.normalized.setdefault(f"{form_creator}/{slug_key(form_slug)}", mid)
            for kind, key in _keys(form_slug):
                self.by_key[kind, form_creator, key].add(mid)
                if not generic:
                    self.by_key[kind, "*", key].add(mid)
        if not generic:
            self.by_name[name_key(name)].add(mid)

    def add_alias(self, mid: str, creator: str, slug: str, name: str) -> None:
        """A moving alias links only entries that spell it (and are aliases themselves).
        Its name still counts, so 'Mistral Large (latest)' never links to `mistral-large`
        by name."""
        self.alias_ids.add(mid)
        self.alias_names.add(name_key(name))
        for form_creator, form_slug in {(creator, slug), tuple(mid.split("/", 1))}:
            self.aliases.setdefault(f"{form_creator}/{slug_key(form_slug)}", mid)
            self.aliases.setdefault(f"*/{slug_key(form_slug)}", mid)  # hosts' bare ids

    def looser(self, creator: str, slug: str, strict: bool = False) -> str | None:
        """The creator's one model with a looser key of `slug`: the only dated snapshot
        of the undated id (`claude-sonnet-4` = `claude-sonnet-4-20250514`), compact,
        packaging words, word order, then the preview id (`gemini-3-pro` =
        `gemini-3-pro-preview`), all of it also without a quantization suffix (`-FP8`).
        `strict` (an id naming its author): `-instruct` is a different model from the bare
        id a lab lists (Qwen3 VL), so packaging words count."""
        unquantized = _QUANTIZED.sub("", slug)
        if unquantized != slug:
            same = (
                self.unique("slug", "*", slug_key(unquantized))
                if creator == "*"
                else self.normalized.get(f"{creator}/{slug_key(unquantized)}")
            )
            return same or self.looser(creator, unquantized, strict)
        if not split_date(slug)[1]:
            found = self.unique("undated", creator, loose_key(slug))
            if found:
                return found
        packaging = strict and bare_key(slug) != compact_key(slug.removesuffix("-v1"))
        for kind, key in _keys(slug):
            if kind in ("compact", "bare", "loose") and not (packaging and kind != "compact"):
                found = self.unique(kind, creator, key)
                if found:
                    return found
        return self.unique("unpreviewed", creator, slug_key(slug)) or self.unique(
            "unquantized", creator, slug_key(slug)
        )

    def literal(self, item: SourceItem) -> bool:
        """The entry spells a lab model's slug letter for letter (wins a price conflict)."""
        slug = _decoded(item).forms[0].slug.lower()
        return any(
            slug == mid.split("/", 1)[1]
            for mid in self.by_key.get(("slug", "*", slug_key(slug)), ())
        )

    def is_host(self, author: str) -> bool:
        """`siliconflow/…` inside another host's list, `novita/…` on Poe: a host, not a lab."""
        return author in self.provider_ids or f"{author}-ai" in self.provider_ids

    def add_own(self, mid: str, creator: str, slug: str, name: str) -> None:
        """A lab's own model: found by its display name, and by its id without a
        quantization suffix (Meta's API lists `llama-4-maverick-17b-128e-instruct-fp8`)."""
        self.own_names[creator, variant_name_key(name)].add(mid)
        if _QUANTIZED.search(slug):
            self.by_key["unquantized", creator, slug_key(_QUANTIZED.sub("", slug))].add(mid)

    def own_name(self, creator: str, slug: str, name: str) -> str | None:
        """The creator's one own model with this display name (`mistral-large-2512` is
        'Mistral Large 3', the name Vercel's `mistral/mistral-large-3` carries). Never for
        an undated id two of the lab's dated snapshots share (`claude-3.5-sonnet`), and
        parentheses count ('GPT-4 Turbo (older v1106)' is not 'GPT-4 Turbo')."""
        if len(self.by_key.get(("undated", creator, loose_key(slug))) or ()) > 1:
            return None
        found = self.own_names.get((creator, variant_name_key(name))) or set()
        return next(iter(found)) if len(found) == 1 else None

    def unique_name(self, name: str) -> str | None:
        """The one lab model with this display name. A `(latest)` name never links by
        name to a fixed model its alias shares the name with ('Mistral Large (latest)')."""
        key = name_key(name)
        found = self.by_name.get(key) or set()
        if "latest" in name.lower() and key in self.alias_names:
            return None
        return next(iter(found)) if len(found) == 1 else None

    def unique(self, kind: str, creator: str, key: str) -> str | None:
        found = self.by_key.get((kind, creator, key)) or set()
        return next(iter(found)) if len(found) == 1 else None


def _generic_ids() -> frozenset[str]:
    return frozenset(identity_data().host_ids.get("generic_ids", ()))


def _keys(slug: str) -> list[tuple[str, str]]:
    keys = [
        ("slug", slug_key(slug)),
        ("compact", compact_key(slug)),
        ("bare", bare_key(slug)),
        ("loose", loose_key(slug)),
    ]
    undated, date = split_date(slug)
    if len(date.replace("-", "")) == 8:  # a full snapshot date (`-20250514`), not `0324`
        keys.append(("undated", loose_key(undated)))
    if _PREVIEW.search(slug_key(slug)):
        keys.append(("unpreviewed", _PREVIEW.sub("", slug_key(slug))))
    return keys


def is_lab_entry(item: SourceItem, known_creators: frozenset[str]) -> bool:
    """First-party entries and `author/slug` ids of a known creator define lab models."""
    if item.first_party:
        return True
    head = _decoded(item).forms[0]
    return head.kind == "id" and head.creator is not None and head.creator in known_creators


def match_host(item: SourceItem, labs: LabIndex, hf: dict[str, str]) -> Found | None:
    hid = _decoded(item)
    for form in hid.forms:
        found = _match_form(form, labs)
        if found:
            return Found(found, "normalized")
    assert item.offering is not None
    repo = item.offering.provider_model_id.lower()
    if repo.count("/") == 1 and repo in hf:
        return Found(hf[repo], "hf-id")
    only = labs.unique_name(item.model.name)
    return Found(only, "name") if only else None


def lab_form(item: SourceItem) -> tuple[str | None, str]:
    """(creator, slug) an author/slug entry names, variant suffix removed."""
    head = _decoded(item).forms[0]
    return head.creator, head.slug


def own_model_id(item: SourceItem, labs: LabIndex) -> str:
    """The id of a model of its own: under the lab the id names, else under the host."""
    assert item.offering is not None
    hid = _decoded(item)
    for form in hid.forms:
        if form.creator in labs.known_creators and form.kind in ("id", "namespace", "bedrock"):
            return model_id(form.creator, form.slug)
    head = hid.forms[0]
    if head.creator in identity_data().routers:  # `kilo/openrouter/auto`: OpenRouter's router
        return model_id(head.creator, head.slug)
    vertex = next((f for f in hid.forms if f.kind == "vertex"), head)
    if head.creator and head.kind in ("id", "namespace") and not labs.is_host(head.creator):
        return model_id(head.creator, head.slug)  # an author we do not know yet: still its id
    lab = snapshot_lab(vertex.slug) if not head.creator else None
    return model_id(lab or item.offering.provider_id, vertex.slug)


_SNAPSHOT = re.compile(
    r"-(?:preview|exp|experimental)(?=-|$)"  # preview builds (not `-thinking`: a mode)
    r"|-(?:20\d\d|\d\d)?(?:0[1-9]|1[0-2])[0-3]\d(?=-|$)"  # 0111, 250615, 20250226
    r"|-(?:0[1-9]|1[0-2])-[0-3]\d(?=-|$)|-(?:0[1-9]|1[0-2])-20\d\d(?=-|$)"  # 04-17, 09-2025
)
_FAMILY_WORD = re.compile(r"^[a-z]+")


def snapshot_lab(slug: str) -> str | None:
    """The lab of a host's id that is a lab's snapshot (`gemini-2.5-pro-preview-06-05` ->
    google), None for anything else (community fine-tunes, host products)."""
    table = identity_data().lab_snapshots
    low = slug.lower()
    family = _FAMILY_WORD.match(low)
    words = set(re.split(r"[^a-z0-9]+", low))
    if family is None or not _SNAPSHOT.search(low) or words & set(table["derivative_words"]):
        return None
    creator: str | None = table["families"].get(family.group(0))
    return creator


def _match_form(form: HostForm, labs: LabIndex) -> str | None:
    creator = form.creator
    if creator and creator in labs.known_creators:
        hit = labs.normalized.get(f"{creator}/{slug_key(form.slug)}")
        hit = hit or labs.looser(creator, form.slug)
        if hit or form.kind != "glued":
            return hit
    if creator and form.kind == "glued" and creator not in labs.provider_ids:
        return None  # `claude-opus-4` is not the lab `claude`'s model `opus-4`
    if creator and form.kind == "id" and not labs.is_host(creator):
        return None  # an unknown author's own model: never someone else's
    if creator in identity_data().routers:
        return None  # `openrouter/auto` is OpenRouter's own router, not another lab's `auto`
    return labs.unique("slug", "*", slug_key(form.slug)) or labs.looser("*", form.slug)


def _decoded(item: SourceItem) -> HostId:
    assert item.offering is not None
    return decode(item.offering.provider_id, item.offering.provider_model_id)


@dataclass
class Guard:
    """Never merge two ids one provider lists separately at different prices.

    Ids that differ only by declared decorations (`:free`, a Bedrock region, `TEE/`) share
    a base and may land on one model; other ids of one provider on one model must agree
    on price, else the later one (in sorted order) keeps a model of its own.
    """

    claims: dict[tuple[str, str], list[tuple[str, tuple[Decimal | None, ...]]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def allows(self, item: SourceItem, mid: str) -> bool:
        if item.offering is None:
            return True
        base, price = self._key(item)
        for other_base, other_price in self.claims.get((item.offering.provider_id, mid), ()):
            if other_base != base and other_price != price:
                return False
        return True

    def claim(self, item: SourceItem, mid: str) -> None:
        if item.offering is not None:
            self.claims[item.offering.provider_id, mid].append(self._key(item))

    @staticmethod
    def _key(item: SourceItem) -> tuple[str, tuple[Decimal | None, ...]]:
        assert item.offering is not None
        prices = item.offering.prices
        return _decoded(item).base, (prices.input_price, prices.output_price)
