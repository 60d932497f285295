"""Host model ids -> the lab's (creator, slug): strip what a host adds to a lab's id. Pure.

Every rule comes from spellings seen in the models.dev, OpenRouter and Artificial
Analysis payloads (word lists in `sync/data/identity.json`, `host_ids`):

- namespaces a host puts in front: Cloudflare `@cf/<lab>/…` (and the AI Gateway's
  `workers-ai/@cf/…`), Fireworks `accounts/<host>/models/…`, Clarifai
  `<lab>/<app>/models/…`, SiliconFlow `Pro/…`, Synthetic `hf:<org>/…`, NanoGPT `TEE/…`;
- Bedrock ids `[region.]<lab>.<slug>[-v1:0|-1:0|-v1]` (regions `us.`, `eu.`, `global.` …);
- Vertex snapshot suffixes `@20250805` (= the lab's `-20250805`) and `@default`;
- variant suffixes after `:` (`:free`, `:thinking`, `:thinking:low`, NanoGPT's thinking
  budgets `:8192`): another offering of the same model. Ollama size tags (`gemma3:27b`)
  are part of the model's name and stay;
- Fireworks writes a version dot as `p` (`glm-5p1` = `glm-5.1`);
- a lab or host name glued on with a hyphen (`anthropic-claude-4.5-haiku`, `azure-gpt-4o`).

Each id gives a list of forms, most literal first; the merge takes the first form that
names a lab model. `base` is the id without the declared variant decorations: two ids of
one provider with different bases are different models to that provider.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from sync.identity import canonical_creator, identity_data

# Serving-mode suffixes seen on author/slug ids: Vertex `…-maas`, Chutes `…-TEE`.
_MODE_SUFFIX = re.compile(r"-(?:maas|tee)$", re.IGNORECASE)
_FREE_SUFFIX = re.compile(r"-free$", re.IGNORECASE)
_BEDROCK_SUFFIX = re.compile(r"(?:-v\d+:\d+|-\d+:\d+|:\d+|-v1)$")
_VERTEX_DATE = re.compile(r"@(\d{8})$")
_FIREWORKS_POINT = re.compile(r"(?<=\d)p(?=\d)")
_LAB_WORD = re.compile(r"^[a-z][a-z-]*$")
_PATH_MODELS = re.compile(r"^([^/]+)/[^/]+/(?:models|routers)/(.+)$")


@dataclass(frozen=True)
class HostForm:
    creator: str | None  # canonical creator when the id names one
    slug: str
    kind: str  # which rule made it: id, namespace, bedrock, vertex, glued, point


@dataclass(frozen=True)
class HostId:
    forms: tuple[HostForm, ...]
    base: str  # lower-case id without declared decorations (variant, region, namespace)
    variant: str  # the variant words that were stripped (`thinking-low`), "" for none
    namespace: str | None  # the host namespace that prefixed the id (`tee`), if any


@dataclass(frozen=True)
class _Words:
    namespaces: frozenset[str]
    regions: frozenset[str]
    variants: frozenset[str]


@cache
def _words() -> _Words:
    table = identity_data().host_ids
    return _Words(
        namespaces=frozenset(w.lower() for w in table.get("namespaces", ())),
        regions=frozenset(w.lower() for w in table.get("bedrock_regions", ())),
        variants=frozenset(w.lower() for w in table.get("variant_suffixes", ())),
    )


def split_variant_suffix(model_id: str) -> tuple[str, str]:
    """`claude-opus-4.6:thinking:low` -> (`claude-opus-4.6`, `thinking-low`); `gemma3:27b`
    and Bedrock's `:0` stay (a size tag and an API version, not variants)."""
    words: list[str] = []
    while ":" in model_id:
        head, tail = model_id.rsplit(":", 1)
        low = tail.lower()
        if low not in _words().variants and not (low.isdigit() and len(low) >= 3):
            break
        words.append(low)
        model_id = head
    return model_id, "-".join(reversed(words))


@lru_cache(maxsize=32768)
def decode(provider_id: str, model_id: str) -> HostId:
    """The forms a host's id may take in a lab's catalog, most literal first."""
    trimmed, variant = split_variant_suffix(model_id)
    if _FREE_SUFFIX.search(trimmed):  # OpenCode / LLM Gateway write `:free` as `-free`
        trimmed, variant = _FREE_SUFFIX.sub("", trimmed), "-".join(filter(None, ["free", variant]))
    path, namespace = _strip_namespaces(trimmed)
    path = _MODE_SUFFIX.sub("", path)
    creator: str | None = None
    forms: list[HostForm] = []
    if "/" in path:
        author, slug = path.split("/", 1)
        creator = canonical_creator(author)
        forms.append(HostForm(creator, slug, "namespace" if namespace else "id"))
    else:
        forms.append(HostForm(None, path, "namespace" if namespace else "id"))
        forms.extend(_bedrock_forms(path))
        forms.extend(_vertex_forms(path))
        forms.extend(_glued_prefix_forms(path))
    if provider_id.startswith("fireworks") or _FIREWORKS_POINT.search(forms[0].slug):
        forms.extend(
            HostForm(f.creator, _FIREWORKS_POINT.sub(".", f.slug), "point")
            for f in list(forms)
            if _FIREWORKS_POINT.search(f.slug)
        )
    declared = next((f for f in forms if f.kind in ("bedrock", "vertex")), forms[0])
    base = declared.slug.lower()
    return HostId(tuple(_unique(forms)), base, variant, namespace)


def _strip_namespaces(model_id: str) -> tuple[str, str | None]:
    """Remove host namespace segments; returns the rest and the first namespace seen."""
    seen: str | None = None
    path = model_id
    while True:
        found = _PATH_MODELS.match(path)
        if found and found.group(2).count("/") == 0:
            owner = found.group(1).lower()
            # `accounts/fireworks/models/x` names no lab; Clarifai's `openai/chat/models/x` does
            path = found.group(2) if owner == "accounts" else f"{found.group(1)}/{found.group(2)}"
            seen = seen or (owner if owner == "accounts" else "models-path")
            continue
        head, sep, rest = path.partition("/")
        prefix = head.lower()
        if sep and rest and prefix in _words().namespaces:
            path, seen = rest, seen or prefix
            continue
        for colon_ns in ("hf:",):  # Synthetic's `hf:<org>/<repo>`
            if path.lower().startswith(colon_ns):
                path, seen = path[len(colon_ns) :], seen or colon_ns.rstrip(":")
                break
        else:
            return path, seen


def _bedrock_forms(model_id: str) -> list[HostForm]:
    """`us.anthropic.claude-opus-4-1-20250805-v1:0` -> anthropic / claude-opus-4-1-20250805."""
    parts = model_id.split(".")
    if len(parts) < 2:
        return []
    if parts[0].lower() in _words().regions and len(parts) > 2:
        parts = parts[1:]
    lab = parts[0].lower()
    if not _LAB_WORD.match(lab):
        return []  # `glm-4.6`, `qwen3.5-27b`: a version dot, not a lab prefix
    slug = _BEDROCK_SUFFIX.sub("", ".".join(parts[1:]))
    if not slug:
        return []
    creator = canonical_creator(lab)
    forms = [HostForm(creator, slug, "bedrock")]
    if not slug.lower().startswith(lab):  # `deepseek.v3-v1:0` = deepseek-v3
        forms.append(HostForm(creator, f"{lab}-{slug}", "bedrock"))
    return forms


def _vertex_forms(model_id: str) -> list[HostForm]:
    """`claude-opus-4-1@20250805` -> `claude-opus-4-1-20250805`; `…@default` -> `…`."""
    if "@" not in model_id:
        return []
    head, _, tail = model_id.rpartition("@")
    dated = _VERTEX_DATE.search(model_id)
    slug = f"{head}-{dated.group(1)}" if dated else head
    return [HostForm(None, slug, "vertex")] if head and tail else []


def _glued_prefix_forms(model_id: str) -> list[HostForm]:
    """`anthropic-claude-4.5-haiku` -> anthropic / `claude-4.5-haiku`; the merge accepts
    the form only when that creator (or, for a host name, any one lab) has the model."""
    head, sep, rest = model_id.partition("-")
    if not sep or not rest or not head.isalpha():
        return []
    return [HostForm(canonical_creator(head), rest, "glued")]


def _unique(forms: list[HostForm]) -> list[HostForm]:
    seen: set[tuple[str | None, str]] = set()
    out = []
    for form in forms:
        key = (form.creator, form.slug.lower())
        if key not in seen:
            seen.add(key)
            out.append(form)
    return out
