"""Keys collected from every source before any record is placed. Pure, no I/O.

OpenRouter names the Hugging Face repo behind many of its ids (`moonshotai/kimi-k2` ->
`moonshotai/Kimi-K2-Instruct`); hosts serving that repo list it under the repo id. Knowing
the pair before the models.dev entries are placed makes both spellings one model whatever
order the records come in. Moving aliases (`-latest`, DeepSeek's `deepseek-chat`) are
told apart here too: an alias is its own record pointing at the model it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sync.host_ids import split_variant_suffix
from sync.identity import canonical_creator, identity_data, slug_key
from sync.records import SourceItem

Form = tuple[str, str]  # (canonical creator, slug)

_VERSION = re.compile(r"\d+(?:\.\d+)*")
_DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})(?![\d.])")
_JOINED = re.compile(r"(?<=\d)-(?=\d{1,2}(?:\D|$))")


def form_key(creator: str | None, slug: str) -> str:
    return f"{creator}/{slug_key(slug)}"


@dataclass
class SharedKeys:
    """Rewrites of (creator, slug) forms learnt from OpenRouter's Hugging Face ids."""

    rewrites: dict[str, Form] = field(default_factory=dict)  # any entry's form -> the model's
    router_aliases: dict[str, Form] = field(default_factory=dict)  # OpenRouter's own ids only

    def rewrite(self, creator: str | None, slug: str, router_copy: bool) -> Form | None:
        """The form to use instead, or None. `router_copy`: the id is OpenRouter's own."""
        key = form_key(creator, slug)
        if router_copy and key in self.router_aliases:
            return self.router_aliases[key]
        return self.rewrites.get(key)


def collect(openrouter_items: list[SourceItem], lab_ids: set[str]) -> SharedKeys:
    """`lab_ids`: `creator/slug-key` of the ids labs list themselves; that spelling wins,
    else the Hugging Face repo's (`kimi-k2-instruct` names the weights more exactly than
    OpenRouter's `kimi-k2`)."""
    keys = SharedKeys()
    claims: dict[str, set[str]] = {}
    pairs: list[tuple[str, Form, str, Form]] = []
    for item in openrouter_items:
        repo = (item.model.huggingface_id or "").strip()
        if repo.count("/") != 1 or not item.creator_hint:
            continue
        creator, name = item.creator_hint, repo.split("/")[1]
        slug = split_variant_suffix(item.slug)[0]
        if canonical_creator(repo.split("/")[0]) != creator or slug_key(name) == slug_key(slug):
            continue
        router_key, hf_key = form_key(creator, slug), form_key(creator, name)
        if is_moving_alias(creator, slug, ""):
            # OpenRouter's `deepseek/deepseek-chat` is the fixed Dec '24 V3 its HF id names,
            # not DeepSeek's moving alias of the same spelling.
            keys.router_aliases[router_key] = (creator, name)
            continue
        claims.setdefault(hf_key, set()).add(router_key)
        pairs.append((router_key, (creator, slug), hf_key, (creator, name)))
    for router_key, router_form, hf_key, hf_form in pairs:
        if len(claims[hf_key]) > 1:
            continue  # two router models claim one repo: no rewrite
        if router_key in lab_ids and hf_key not in lab_ids:
            keys.rewrites[hf_key] = router_form
        elif hf_key in lab_ids or router_key not in lab_ids:
            keys.rewrites[router_key] = hf_form
    return keys


def is_moving_alias(creator: str | None, slug: str, name: str) -> bool:
    """`-latest` ids, `(latest)` names and the ids listed in identity.json `moving_aliases`."""
    low = slug.lower()
    listed = identity_data().moving_aliases
    if creator is None:  # a host's bare `deepseek-reasoner`
        return (
            low.endswith("-latest")
            or "(latest)" in name.lower()
            or any(alias.endswith("/" + low) for alias in listed)
        )
    return low.endswith("-latest") or "(latest)" in name.lower() or f"{creator}/{low}" in listed


def _versions(text: str) -> set[str]:
    return set(_VERSION.findall(_JOINED.sub(".", text.lower())))


def names_its_version(name: str, slug: str) -> bool:
    """Every `major.minor` version of the display name is in the id (`mistral-medium-3-5`
    'Mistral Medium 3.5' yes; Vercel's `mistral-medium` 'Mistral Medium 3.1' no)."""
    tokens = _versions(slug)
    wanted = {f"{int(a)}.{int(b)}" for a, b in _DOTTED.findall(name) if int(b)}
    return all(any(t == w or t.startswith(w + ".") for t in tokens) for w in wanted)


def versions_conflict(name: str, model_id: str) -> bool:
    """The display name's `major.minor` version contradicts the id's: `deepseek.v3` named
    'DeepSeek-V3.1', Neon's `claude-sonnet-4` named 'Claude Sonnet 4.5'. A name without a
    dotted version, or an id without a number of that major, never conflicts."""
    tokens = _versions(model_id.split("/", 1)[-1])
    for major, minor in _DOTTED.findall(name):
        major, minor = str(int(major)), str(int(minor))
        if minor == "0":
            continue  # `Nova Pro 1.0` = `nova-pro-v1`
        wanted = f"{major}.{minor}"
        same_major = {t for t in tokens if t == major or t.startswith(major + ".")}
        if same_major and not any(t == wanted or t.startswith(wanted + ".") for t in same_major):
            return True
    return False


_STAMP = re.compile(r"(?<![\d.-])(0[1-9]|1[0-2])([0-3]\d)(?![\d.])")


def snapshot_stamps(name: str) -> list[str]:
    """MMDD snapshot stamps a display name carries: 'DeepSeek V3 0324' -> ['0324']."""
    return ["".join(m) for m in _STAMP.findall(name)]
