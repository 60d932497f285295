"""The models' denormalized cheapest prices, derived from the stored offerings.

One rule for both APIs (server.catalog.offerings.cheapest): a model's price is that of its
cheapest active offering whose input and output prices are both known, by input + output,
ties by provider id then the provider's model id; `paid` offerings only by default, free
tiers and playgrounds too for the `cheapest_any_*` pair. Both prices come from that ONE
offering, so a list sorted by input price is sorted by the price each record shows.

Computed in SQL after the offerings are written (same transaction), so offerings still
inside their removal grace period count exactly as the APIs see them.
"""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

from server.tables import PAID_KINDS, WITH_FREE_KINDS


def _best(alias: str, kinds_param: str) -> str:
    return (
        "LEFT JOIN LATERAL (SELECT o.input_price, o.output_price FROM offerings o "
        "WHERE o.model_id = m2.id AND o.status = 'active' "
        f"AND o.listing_kind = ANY({kinds_param}) "
        "AND o.input_price IS NOT NULL AND o.output_price IS NOT NULL "
        "ORDER BY o.input_price + o.output_price, o.provider_id, o.provider_model_id "
        f"LIMIT 1) {alias} ON true"
    )


_REFRESH = f"""
UPDATE models m SET
    cheapest_input_price = paid.input_price, cheapest_output_price = paid.output_price,
    cheapest_any_input_price = free.input_price, cheapest_any_output_price = free.output_price
FROM models m2 {_best("paid", "$1::text[]")} {_best("free", "$2::text[]")}
WHERE m.id = m2.id AND (
    m.cheapest_input_price IS DISTINCT FROM paid.input_price
    OR m.cheapest_output_price IS DISTINCT FROM paid.output_price
    OR m.cheapest_any_input_price IS DISTINCT FROM free.input_price
    OR m.cheapest_any_output_price IS DISTINCT FROM free.output_price)
"""  # noqa: S608 - no user input: constant SQL fragments


async def refresh_cheapest_prices(conn: asyncpg.Connection) -> int:
    """Update the models whose cheapest prices changed; returns how many."""
    status: str = await conn.execute(_REFRESH, list(PAID_KINDS), list(WITH_FREE_KINDS))
    return int(status.rsplit(" ", 1)[-1])
