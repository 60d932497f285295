"""The models' denormalized cheapest prices, derived from the stored offerings.

One rule for both APIs (server.core.catalog.offerings.cheapest): a model's price is that of its
cheapest active offering whose input and output prices are both known, by input + output,
ties by provider id then the provider's model id; `paid` offerings only by default, free
tiers and playgrounds too for the `cheapest_any_*` pair. Both prices come from that ONE
offering, so a list sorted by input price is sorted by the price each record shows.

Computed in SQL after the offerings are written (same transaction), so offerings still
inside their removal grace period count exactly as the APIs see them.
"""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

from server.core.vocabulary import PAID_KINDS, WITH_FREE_KINDS

_REFRESH = """
WITH best AS (
    SELECT m2.id,
        paid.input_price AS paid_in, paid.output_price AS paid_out,
        free.input_price AS any_in, free.output_price AS any_out
    FROM models m2
    LEFT JOIN LATERAL (
        SELECT o.input_price, o.output_price FROM offerings o
        WHERE o.model_id = m2.id AND o.status = 'active' AND o.listing_kind = ANY($1::text[])
          AND o.input_price IS NOT NULL AND o.output_price IS NOT NULL
        ORDER BY o.input_price + o.output_price, o.provider_id, o.provider_model_id LIMIT 1
    ) paid ON true
    LEFT JOIN LATERAL (
        SELECT o.input_price, o.output_price FROM offerings o
        WHERE o.model_id = m2.id AND o.status = 'active' AND o.listing_kind = ANY($2::text[])
          AND o.input_price IS NOT NULL AND o.output_price IS NOT NULL
        ORDER BY o.input_price + o.output_price, o.provider_id, o.provider_model_id LIMIT 1
    ) free ON true
)
UPDATE models m SET
    cheapest_input_price = best.paid_in, cheapest_output_price = best.paid_out,
    cheapest_any_input_price = best.any_in, cheapest_any_output_price = best.any_out
FROM best
WHERE m.id = best.id AND (
    m.cheapest_input_price IS DISTINCT FROM best.paid_in
    OR m.cheapest_output_price IS DISTINCT FROM best.paid_out
    OR m.cheapest_any_input_price IS DISTINCT FROM best.any_in
    OR m.cheapest_any_output_price IS DISTINCT FROM best.any_out)
"""


async def refresh_cheapest_prices(conn: asyncpg.Connection) -> int:
    """Update the models whose cheapest prices changed; returns how many."""
    status: str = await conn.execute(_REFRESH, list(PAID_KINDS), list(WITH_FREE_KINDS))
    return int(status.rsplit(" ", 1)[-1])
