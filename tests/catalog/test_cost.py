"""estimate_cost and price_at: pure Decimal arithmetic, checked by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.core.catalog.cost import TokenCounts, estimate_cost
from server.core.catalog.history import price_at
from tests.support.rows import change_row, offering_row

SONNET = offering_row(
    input_price=Decimal("3"),
    output_price=Decimal("15"),
    cache_read_price=Decimal("0.3"),
    cache_write_price=Decimal("3.75"),
    price_tiers=[{"above_tokens": 200000, "input_price": "6", "output_price": "22.5"}],
)


def test_below_tier_by_hand() -> None:
    # 100k in * 3/1M = 0.3; 20k cached * 0.3/1M = 0.006; 10k out * 15/1M = 0.15
    est = estimate_cost(SONNET, TokenCounts(input=100_000, cached_input=20_000, output=10_000))
    assert est.total == Decimal("0.456") and est.tier_above_tokens is None
    assert [(ln.item, ln.cost) for ln in est.lines if ln.quantity] == [
        ("input", Decimal("0.3")),
        ("cached_input", Decimal("0.006")),
        ("output", Decimal("0.15")),
    ]


def test_long_context_tier_by_hand() -> None:
    # 2M in at the >200k rate 6/1M = 12; 300k out at 22.5/1M = 6.75; total 18.75.
    # Reasoning 1000 tokens billed as output at the tier rate: 0.0225.
    est = estimate_cost(SONNET, TokenCounts(input=2_000_000, output=300_000, reasoning=1000))
    assert est.tier_above_tokens == 200000
    assert est.total == Decimal("18.7725")
    assert est.complete


def test_unknown_price_makes_total_unknown() -> None:
    card = SONNET._replace(cache_write_price=None, price_tiers=None)
    est = estimate_cost(card, TokenCounts(input=10, cache_write=10))
    assert est.total is None and not est.complete and "cache_write" in (est.note or "")


def test_variable_price_and_negative_tokens() -> None:
    assert estimate_cost(SONNET._replace(price_variable=True), TokenCounts(input=1)).total is None
    with pytest.raises(ValueError, match="input tokens must be >= 0"):
        TokenCounts(input=-1)


@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_total_is_sum_of_lines(inp: int, out: int) -> None:
    est = estimate_cost(SONNET, TokenCounts(input=inp, output=out))
    assert est.total == sum((ln.cost or Decimal(0) for ln in est.lines), Decimal(0))


OFFER = offering_row(
    provider_id="openai",
    provider_model_id="gpt-4o",
    first_seen_at=datetime(2024, 5, 13, tzinfo=UTC),
    input_price=Decimal("2.5"),
    output_price=Decimal("10"),
)
EVENTS = [
    change_row(
        kind="price_changed",
        entity_id="openai:gpt-4o",
        at=datetime(2024, 8, 6, tzinfo=UTC),
        field="input_price",
        old_value="5",
        new_value="2.5",
    )
]


def test_price_at_before_and_after_change() -> None:
    before = price_at(OFFER, EVENTS, datetime(2024, 7, 1, tzinfo=UTC))
    after = price_at(OFFER, EVENTS, datetime(2024, 9, 1, tzinfo=UTC))
    assert before is not None and before.input_price == Decimal("5")
    assert after is not None and after.input_price == Decimal("2.5")
    assert before.output_price == Decimal("10")
    assert price_at(OFFER, EVENTS, datetime(2024, 1, 1, tzinfo=UTC)) is None


def test_price_at_replays_every_price_column_including_audio() -> None:
    offer = OFFER._replace(input_audio_price=Decimal("40"))
    audio_cut = EVENTS[0]._replace(field="input_audio_price", old_value="100", new_value="40")
    before = price_at(offer, [audio_cut], datetime(2024, 7, 1, tzinfo=UTC))
    after = price_at(offer, [audio_cut], datetime(2024, 9, 1, tzinfo=UTC))
    assert before is not None and before.input_audio_price == Decimal("100")
    assert after is not None and after.input_audio_price == Decimal("40")
