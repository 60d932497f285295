"""Custom scalars (registered in the schema config's scalar_map)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import NewType

import strawberry
from strawberry.schema.types.base_scalars import DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

# GraphQL Int is 32-bit; download counts can exceed it.
Long = NewType("Long", int)


def _finite_decimal(value: object) -> Decimal:
    """Strawberry's Decimal parsing, refusing NaN and infinities: no price or amount is
    one, and a NaN filter silently matched nothing (VALIDATION_ERROR instead)."""
    parsed = DecimalDefinition.parse_value(value)  # type: ignore[misc]  # set for Decimal
    if not isinstance(parsed, Decimal) or not parsed.is_finite():
        raise ValueError(f"Decimal must be a finite number, got {value!r}")
    return parsed


SCALAR_MAP: dict[object, ScalarDefinition] = {
    Decimal: dataclasses.replace(DecimalDefinition, parse_value=_finite_decimal),
    Long: strawberry.scalar(
        name="Long",
        serialize=int,
        parse_value=int,
        description="A 64-bit integer, as a JSON number.",
    ),
}
