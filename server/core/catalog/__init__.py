"""Catalog queries (INTERFACES §B): SQLAlchemy Core reads shared by GraphQL and REST.

No HTTP, GraphQL or sync imports here (DESIGN §3).
"""

from server.core.catalog.filters import (
    CAPABILITY_COLUMNS,
    ModelFilter,
    ModelSort,
    OfferingFilter,
    OfferingSortField,
    SortField,
)
from server.core.catalog.models import ModelPage, list_models, models_by_ids, validate_filter
from server.core.catalog.related import (
    changes_by_model_ids,
    external_ids_by_model_ids,
    offerings_by_model_ids,
    scores_by_model_ids,
)
from server.core.catalog.rows import (
    ChangeRow,
    ExternalIdRow,
    ModelRow,
    OfferingRow,
    ProviderRow,
    ScoreRow,
    SyncRunRow,
)

__all__ = [
    "CAPABILITY_COLUMNS",
    "ChangeRow",
    "ExternalIdRow",
    "ModelFilter",
    "ModelPage",
    "ModelRow",
    "ModelSort",
    "OfferingFilter",
    "OfferingRow",
    "OfferingSortField",
    "ProviderRow",
    "ScoreRow",
    "SortField",
    "SyncRunRow",
    "changes_by_model_ids",
    "external_ids_by_model_ids",
    "list_models",
    "models_by_ids",
    "offerings_by_model_ids",
    "scores_by_model_ids",
    "validate_filter",
]
