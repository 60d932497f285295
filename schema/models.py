"""Model type and the model queries: models, model, resolveModel, modelByExternalId, compare."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from schema.context import Info
from schema.enums import Capability, EntityStatus, ListingKind, SortField, Source
from schema.offerings import (
    Offering,
    OfferingFilterInput,
    OfferingSortInput,
    PricePoint,
    offering_from_row,
    price_points,
)
from schema.pagination import Connection, build_connection, fingerprint, page_window
from schema.providers import Provider, provider_from_row
from schema.scalars import Long
from schema.text_input import check_length
from server.core.catalog import (
    CAPABILITY_COLUMNS,
    ModelFilter,
    ModelPage,
    ModelSort,
    list_models,
)
from server.core.catalog.filters import OfferingFilter
from server.core.catalog.models import model_by_external_id
from server.core.catalog.offerings import cheapest, filter_offerings, sort_offerings
from server.core.catalog.resolve import NotResolved, resolve_model
from server.core.catalog.rows import ModelRow
from server.core.errors import ValidationError
from server.core.limits import MAX_COMPARE, MIN_COMPARE
from server.core.vocabulary import VISIBLE_STATUSES

if TYPE_CHECKING:
    from schema.changes import Change


@strawberry.type
class Score:
    metric: str = strawberry.field(
        description="What was measured (e.g. intelligence_index, output_tokens_per_second)."
    )
    value: Decimal = strawberry.field(description="The measured value.")
    unit: str | None = strawberry.field(description="Unit of the value, when it has one.")
    source: str = strawberry.field(description="Who reported it (e.g. artificialanalysis).")
    variant: str = strawberry.field(description='Effort variant, "" for the base model.')
    self_reported: bool = strawberry.field(description="True when the model's maker reported it.")
    independent: bool = strawberry.field(description="True when a third party measured it.")
    measured_at: datetime | None = strawberry.field(description="When it was measured, if known.")


@strawberry.type
class ExternalId:
    source: str = strawberry.field(description="The upstream catalog.")
    id: str = strawberry.field(description="The model's id in that catalog.")
    match_method: str = strawberry.field(
        description="How the record was linked: exact (a shared or the lab's own id), "
        "normalized, hf-id, name, override, or minted (it matched nothing and got an id "
        "of its own)."
    )
    confidence: float = strawberry.field(description="How sure the link is, 0 to 1.")


@strawberry.type
class OfferingPriceHistory:
    offering: Offering = strawberry.field(description="The offering.")
    points: list[PricePoint] = strawberry.field(description="Its price changes, oldest first.")


@strawberry.type(description="One canonical model, merged from every source.")
class Model:
    id: strawberry.ID = strawberry.field(
        description="Canonical id, `<creator>/<slug>` in lower case."
    )
    name: str = strawberry.field(description="Display name.")
    creator_id: str = strawberry.field(description="The provider that made the model.")
    family: str | None = strawberry.field(description="Model family, when a source names one.")
    description: str | None = strawberry.field(description="Description from the sources.")
    release_date: date | None = strawberry.field(description="Release date.")
    last_updated: date | None = strawberry.field(
        description="When the model was last updated upstream."
    )
    knowledge_cutoff: str | None = strawberry.field(
        description="Training data cutoff, as the source gives it."
    )
    open_weights: bool | None = strawberry.field(description="True when the weights are published.")
    license: str | None = strawberry.field(description="License of the weights, when known.")
    input_modalities: list[str] = strawberry.field(
        description="What it accepts: text, image, audio, video, file…"
    )
    output_modalities: list[str] = strawberry.field(description="What it produces.")
    supports_tools: bool | None = strawberry.field(
        description="Tool (function) calling; null when unknown."
    )
    supports_reasoning: bool | None = strawberry.field(
        description="Reasoning (thinking) mode; null when unknown."
    )
    supports_structured_output: bool | None = strawberry.field(
        description="Structured (JSON schema) output; null when unknown."
    )
    supports_attachments: bool | None = strawberry.field(
        description="File attachments; null when unknown."
    )
    supports_temperature: bool | None = strawberry.field(
        description="Accepts a temperature setting; null when unknown."
    )
    context_window: int | None = strawberry.field(description="Context window in tokens.")
    max_output_tokens: int | None = strawberry.field(description="Maximum output tokens.")
    huggingface_id: str | None = strawberry.field(
        description="Hugging Face repository id, for open-weight models."
    )
    downloads: Long | None = strawberry.field(description="Hugging Face downloads.")
    likes: Long | None = strawberry.field(description="Hugging Face likes.")
    trending_score: float | None = strawberry.field(description="Hugging Face trending score.")
    intelligence_index: Decimal | None = strawberry.field(
        description="Artificial Analysis intelligence index (base variant)."
    )
    output_tokens_per_second: Decimal | None = strawberry.field(
        description="Artificial Analysis median output speed, tokens per second."
    )
    cheapest_input_price: Decimal | None = strawberry.field(
        description="Input price of cheapestOffering (paid offerings only), USD per 1M."
    )
    cheapest_output_price: Decimal | None = strawberry.field(
        description="Output price of that same offering, USD per 1M."
    )
    sources: list[str] = strawberry.field(description="Upstream catalogs that list the model.")
    status: str = strawberry.field(description="active, deprecated or removed.")
    first_seen_at: datetime = strawberry.field(description="When a sync first saw it (UTC).")
    last_seen_at: datetime = strawberry.field(description="When a sync last saw it (UTC).")
    updated_at: datetime = strawberry.field(description="When its row last changed (UTC).")
    removed_at: datetime | None = strawberry.field(
        description="When it was marked removed (UTC); null while listed."
    )
    alias_of: str | None = strawberry.field(
        description="For a moving alias (`gpt-5-chat-latest`, DeepSeek's `deepseek-chat`): "
        "the id of the model it points at now, null when unknown; null for every other model."
    )

    @strawberry.field(description="Capabilities the model is known to have.")
    def capabilities(self) -> list[str]:
        return [name for name, col in CAPABILITY_COLUMNS.items() if getattr(self, col) is True]

    @strawberry.field(description="The creator as a provider record, when it has one.")
    async def creator(self, info: Info) -> Provider | None:
        row = await info.context.loaders.provider_by_id.load(self.creator_id)
        return provider_from_row(row) if row else None

    @strawberry.field(
        description="Every offering of this model by a provider, with its price card."
    )
    async def offerings(
        self,
        info: Info,
        filter: OfferingFilterInput | None = None,
        sort: OfferingSortInput | None = None,
    ) -> list[Offering]:
        rows = await info.context.loaders.offerings_by_model_id.load(str(self.id))
        kept = filter_offerings(rows, filter.to_filter() if filter else OfferingFilter())
        if sort is not None:
            kept = sort_offerings(kept, *sort.to_sort())
        return [offering_from_row(r) for r in kept]

    @strawberry.field(
        description="The model's price: its active PAID offering with the lowest known "
        "input+output price (the one cheapestInputPrice and the price sorts use); with "
        "includeFree, free tiers and playgrounds count too."
    )
    async def cheapest_offering(self, info: Info, include_free: bool = False) -> Offering | None:
        rows = await info.context.loaders.offerings_by_model_id.load(str(self.id))
        best = cheapest(rows, include_free)
        return offering_from_row(best) if best else None

    @strawberry.field(
        description="Benchmark and performance scores, per source and effort variant."
    )
    async def scores(self, info: Info) -> list[Score]:
        rows = await info.context.loaders.scores_by_model_id.load(str(self.id))
        return [
            Score(
                metric=r.metric, value=r.value, unit=r.unit, source=r.source,
                variant=r.variant, self_reported=r.self_reported,
                independent=not r.self_reported, measured_at=r.measured_at,
            )
            for r in rows
        ]  # fmt: skip

    @strawberry.field(
        description="The id of this model in each upstream catalog, and how it was linked."
    )
    async def external_ids(self, info: Info) -> list[ExternalId]:
        rows = await info.context.loaders.external_ids_by_model_id.load(str(self.id))
        return [
            ExternalId(
                source=r.source, id=r.external_id, match_method=r.match_method,
                confidence=r.confidence,
            )
            for r in rows
        ]  # fmt: skip

    @strawberry.field(description="Price changes per offering, newest first.")
    async def price_history(self, info: Info) -> list[OfferingPriceHistory]:
        rows = await info.context.loaders.offerings_by_model_id.load(str(self.id))
        events = await info.context.loaders.changes_by_model_id.load(str(self.id))
        result = []
        for row in rows:
            points = price_points(row, events)
            if points:
                result.append(OfferingPriceHistory(offering=offering_from_row(row), points=points))
        return result

    @strawberry.field(description="This model's change events, newest first (at most 100).")
    async def changes(
        self, info: Info
    ) -> list[Annotated[Change, strawberry.lazy("schema.changes")]]:
        from schema.changes import change_from_row

        rows = await info.context.loaders.changes_by_model_id.load(str(self.id))
        return [change_from_row(r) for r in rows]


def model_from_row(row: ModelRow) -> Model:
    return Model(
        id=strawberry.ID(row.id),
        name=row.name,
        creator_id=row.creator_id,
        family=row.family,
        description=row.description,
        release_date=row.release_date,
        last_updated=row.last_updated,
        knowledge_cutoff=row.knowledge_cutoff,
        open_weights=row.open_weights,
        license=row.license,
        input_modalities=list(row.input_modalities or []),
        output_modalities=list(row.output_modalities or []),
        supports_tools=row.supports_tools,
        supports_reasoning=row.supports_reasoning,
        supports_structured_output=row.supports_structured_output,
        supports_attachments=row.supports_attachments,
        supports_temperature=row.supports_temperature,
        context_window=row.context_window,
        max_output_tokens=row.max_output_tokens,
        huggingface_id=row.huggingface_id,
        downloads=None if row.downloads is None else Long(row.downloads),
        likes=None if row.likes is None else Long(row.likes),
        trending_score=row.trending_score,
        intelligence_index=row.intelligence_index,
        output_tokens_per_second=row.output_tokens_per_second,
        cheapest_input_price=row.cheapest_input_price,
        cheapest_output_price=row.cheapest_output_price,
        sources=list(row.sources or []),
        status=row.status,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        updated_at=row.updated_at,
        removed_at=row.removed_at,
        alias_of=row.alias_of,
    )


@strawberry.input
class ModelFilterInput:
    search: str | None = strawberry.field(default=None, description="Ranked match on id and name.")
    creator: str | None = strawberry.field(default=None, description="Made by this provider id.")
    provider: str | None = strawberry.field(
        default=None, description="Has an active offering from this provider."
    )
    capabilities: list[Capability] | None = strawberry.field(
        default=None, description="All of these."
    )
    input_modalities: list[str] | None = strawberry.field(
        default=None, description="Accepts all of these input modalities."
    )
    output_modalities: list[str] | None = strawberry.field(
        default=None, description="Produces all of these output modalities."
    )
    open_weights: bool | None = strawberry.field(
        default=None, description="Open weights (true) or not (false)."
    )
    min_context_window: int | None = strawberry.field(
        default=None, description="Context window of at least this many tokens."
    )
    min_max_output_tokens: int | None = strawberry.field(
        default=None, description="Maximum output of at least this many tokens."
    )
    max_input_price: Decimal | None = strawberry.field(
        default=None, description="On the cheapest offering (see includeFree), USD per 1M."
    )
    max_output_price: Decimal | None = strawberry.field(
        default=None, description="On the cheapest offering (see includeFree), USD per 1M."
    )
    listing_kinds: list[ListingKind] | None = strawberry.field(
        default=None, description="Has an active offering of one of these listing kinds."
    )
    include_free: bool = strawberry.field(
        default=False,
        description="Price filters and price sorts use the cheapest offering including "
        "free tiers and playgrounds; default: the cheapest PAID offering "
        "(= cheapestOffering / cheapestInputPrice).",
    )
    released_after: date | None = strawberry.field(
        default=None, description="Released on or after this date."
    )
    released_before: date | None = strawberry.field(
        default=None, description="Released on or before this date."
    )
    statuses: list[EntityStatus] | None = strawberry.field(
        default=None, description="Default: ACTIVE, DEPRECATED."
    )
    source: Source | None = strawberry.field(
        default=None, description="Listed by this upstream catalog."
    )


@strawberry.input
class ModelSortInput:
    field: SortField = strawberry.field(default=SortField.NAME, description="What to sort by.")
    descending: bool = strawberry.field(default=False, description="Largest first.")


def to_model_filter(flt: ModelFilterInput | None, provider: str | None = None) -> ModelFilter:
    if flt is None:
        return ModelFilter(provider=provider)
    for argument in ("search", "creator", "provider"):
        check_length(f"filter.{argument}", getattr(flt, argument))
    statuses = (
        tuple(s.value for s in flt.statuses) if flt.statuses is not None else VISIBLE_STATUSES
    )
    return ModelFilter(
        search=flt.search,
        creator=flt.creator,
        provider=provider or flt.provider,
        capabilities=tuple(c.value for c in flt.capabilities or ()),
        input_modalities=tuple(flt.input_modalities or ()),
        output_modalities=tuple(flt.output_modalities or ()),
        open_weights=flt.open_weights,
        min_context_window=flt.min_context_window,
        min_max_output_tokens=flt.min_max_output_tokens,
        max_input_price=flt.max_input_price,
        max_output_price=flt.max_output_price,
        released_after=flt.released_after,
        released_before=flt.released_before,
        statuses=statuses,
        source=flt.source.value if flt.source else None,
        listing_kinds=tuple(k.value for k in flt.listing_kinds or ()),
        include_free=flt.include_free,
    )


def to_model_sort(sort: ModelSortInput | None, flt: ModelFilter) -> ModelSort:
    if sort is None:
        # Searching without an explicit sort: best match first.
        return ModelSort(SortField.RELEVANCE if flt.search else SortField.NAME)
    return ModelSort(sort.field, sort.descending)


async def list_model_connection(
    info: Info,
    filter: ModelFilterInput | None,
    sort: ModelSortInput | None,
    first: int | None,
    after: str | None,
    provider: str | None = None,
) -> Connection[Model]:
    flt = to_model_filter(filter, provider)
    order = to_model_sort(sort, flt)
    db = info.context.db
    if after is None:
        # First page: no cursor to check, so the version can come with the page itself.
        window = page_window(first, None, "")
        page = await db.run_reading_version(
            lambda conn: _page_and_version(conn, flt, order, window.limit)
        )
        print_ = fingerprint("models", flt, order, await db.catalog_version())
        window = replace(window, print_=print_)
    else:
        version = await db.catalog_version()
        window = page_window(first, after, fingerprint("models", flt, order, version))
        page = await db.run(lambda conn: list_models(conn, flt, order, window.limit, window.offset))
    for row in page.rows:  # prime the loader so `model(id)` in the same request is free
        info.context.loaders.model_by_id.prime(row.id, row)
    return build_connection(page.rows, page.total, window, model_from_row)


async def _page_and_version(
    conn: AsyncConnection, flt: ModelFilter, order: ModelSort, limit: int
) -> tuple[ModelPage, int | None]:
    page = await list_models(conn, flt, order, limit, 0, with_version=True)
    return page, page.version


@strawberry.type(description="resolveModel found the model.")
class ResolvedModel:
    model: Model = strawberry.field(description="The model found.")
    rule: str = strawberry.field(
        description="id | external_id | huggingface_id | normalized | reordered"
    )
    matched: str = strawberry.field(description="The spelling that matched.")


@strawberry.type(description="resolveModel found nothing; the closest names are suggested.")
class ModelNotFound:
    query: str = strawberry.field(description="The name asked for.")
    message: str = strawberry.field(description="Why nothing matched.")
    suggestions: list[Model] = strawberry.field(description="The closest models by name.")


ResolveModelResult = Annotated[
    ResolvedModel | ModelNotFound, strawberry.union("ResolveModelResult")
]


@strawberry.type(description="Models side by side, in the order asked; missing ids listed.")
class Comparison:
    models: list[Model] = strawberry.field(description="The models found, in the order asked.")
    missing_ids: list[str] = strawberry.field(description="Ids asked for that do not exist.")
    cheapest_input_model_id: str | None = strawberry.field(
        description="The model with the lowest cheapestInputPrice."
    )
    largest_context_model_id: str | None = strawberry.field(
        description="The model with the largest context window."
    )
    highest_intelligence_model_id: str | None = strawberry.field(
        description="The model with the highest intelligence index."
    )


def _cheapest_input(models_: list[Model]) -> str | None:
    priced = [
        (m.cheapest_input_price, str(m.id)) for m in models_ if m.cheapest_input_price is not None
    ]
    return min(priced)[1] if priced else None


def _best(models_: list[Model], attr: str) -> str | None:
    known = [m for m in models_ if getattr(m, attr) is not None]
    return str(max(known, key=lambda m: getattr(m, attr)).id) if known else None


@strawberry.type
class ModelQueries:
    @strawberry.field(description="Models, filtered and sorted; Relay connection, first <= 100.")
    async def models(
        self,
        info: Info,
        filter: ModelFilterInput | None = None,
        sort: ModelSortInput | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Model]:
        return await list_model_connection(info, filter, sort, first, after)

    @strawberry.field(
        description="One model by canonical id (case-insensitive); null when unknown."
    )
    async def model(self, info: Info, id: strawberry.ID) -> Model | None:
        row = await info.context.loaders.model_by_id.load(str(id).strip().lower())
        return model_from_row(row) if row else None

    @strawberry.field(description="Any spelling of a model name -> the model and the rule used.")
    async def resolve_model(self, info: Info, name: str) -> ResolveModelResult:
        if not name.strip():
            raise ValidationError("name must not be empty")
        check_length("name", name)
        got = await info.context.db.run(lambda conn: resolve_model(conn, name))
        if isinstance(got, NotResolved):
            return ModelNotFound(
                query=name,
                message=f"no model matches {name!r}",
                suggestions=[model_from_row(r) for r in got.suggestions],
            )
        return ResolvedModel(model=model_from_row(got.model), rule=got.rule, matched=got.matched)

    @strawberry.field(
        description="The model an upstream catalog lists under this id; null when unknown."
    )
    async def model_by_external_id(self, info: Info, source: Source, id: str) -> Model | None:
        check_length("id", id)
        row = await info.context.db.run(lambda conn: model_by_external_id(conn, source.value, id))
        return model_from_row(row) if row else None

    @strawberry.field(description=f"{MIN_COMPARE} to {MAX_COMPARE} models side by side.")
    async def compare(self, info: Info, ids: list[strawberry.ID]) -> Comparison:
        wanted = list(dict.fromkeys(str(i).strip().lower() for i in ids))
        if not MIN_COMPARE <= len(wanted) <= MAX_COMPARE:
            raise ValidationError(
                f"compare takes {MIN_COMPARE} to {MAX_COMPARE} distinct model ids",
                details={"count": len(wanted)},
            )
        rows = await info.context.loaders.model_by_id.load_many(wanted)
        found = [model_from_row(r) for r in rows if r is not None]
        return Comparison(
            models=found,
            missing_ids=[i for i, r in zip(wanted, rows, strict=True) if r is None],
            cheapest_input_model_id=_cheapest_input(found),
            largest_context_model_id=_best(found, "context_window"),
            highest_intelligence_model_id=_best(found, "intelligence_index"),
        )
