"""Per-request dataloaders, one per target and key (`<Target>By<Key>Loader`, DESIGN §8.3).

Each batch is one SQL statement on the request's snapshot (schema.db.RequestDb).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.dataloader import DataLoader

from schema.db import RequestDb
from server.core.catalog import (
    ChangeRow,
    ExternalIdRow,
    ModelRow,
    OfferingRow,
    ProviderRow,
    ScoreRow,
    changes_by_model_ids,
    external_ids_by_model_ids,
    models_by_ids,
    offerings_by_model_ids,
    scores_by_model_ids,
)
from server.core.catalog.providers import providers_with_counts_by_ids

V = TypeVar("V")
Fetch = Callable[[AsyncConnection, Sequence[str]], Awaitable[Mapping[str, V]]]


def _batch(db: RequestDb, fetch: Fetch[V], default: Callable[[], V]) -> DataLoader[str, V]:
    async def load(keys: list[str]) -> list[V]:
        found = await db.run(lambda conn: fetch(conn, keys))
        return [found.get(key, default()) for key in keys]

    return DataLoader(load_fn=load)


def _none() -> None:
    return None


@dataclass(frozen=True)
class Loaders:
    model_by_id: DataLoader[str, ModelRow | None]
    provider_by_id: DataLoader[str, ProviderRow | None]
    offerings_by_model_id: DataLoader[str, list[OfferingRow]]
    scores_by_model_id: DataLoader[str, list[ScoreRow]]
    external_ids_by_model_id: DataLoader[str, list[ExternalIdRow]]
    changes_by_model_id: DataLoader[str, list[ChangeRow]]


def build_loaders(db: RequestDb) -> Loaders:
    return Loaders(
        model_by_id=_batch(db, models_by_ids, _none),  # ModelByIdLoader
        provider_by_id=_batch(db, providers_with_counts_by_ids, _none),  # ProviderByIdLoader
        offerings_by_model_id=_batch(db, offerings_by_model_ids, list),
        scores_by_model_id=_batch(db, scores_by_model_ids, list),
        external_ids_by_model_id=_batch(db, external_ids_by_model_ids, list),
        changes_by_model_id=_batch(db, changes_by_model_ids, list),
    )
