"""Custom scalars (registered in the schema config's scalar_map)."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

# GraphQL Int is 32-bit; download counts can exceed it.
Long = NewType("Long", int)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    Long: strawberry.scalar(
        name="Long",
        serialize=int,
        parse_value=int,
        description="A 64-bit integer, as a JSON number.",
    )
}
