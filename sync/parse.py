"""Small strict field readers shared by the normalizers. Each raises InvalidRecord."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from server.core.limits import MAX_RECORD_PRICE, MAX_RECORD_TEXT_LENGTH
from sync.records import InvalidRecord, JsonObject

PER_MILLION = Decimal(1_000_000)
# Arithmetic on upstream numbers never rounds: 28 significant digits (the default) would.
EXACT = Context(prec=200)
# Beyond these an upstream number is garbage, not a price or a count: it would overflow
# the 200-digit arithmetic or a NUMERIC column, so the record is refused instead.
_LARGEST_EXPONENT = 40
_SMALLEST_EXPONENT = -60
MAX_PRICE = Decimal(MAX_RECORD_PRICE)


def obj(value: Any, what: str) -> JsonObject:
    if not isinstance(value, dict):
        raise InvalidRecord(f"{what} is not an object")
    return value


def text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecord(f"{what} is missing or not a string")
    if len(value) > MAX_RECORD_TEXT_LENGTH:
        raise InvalidRecord(f"{what} is longer than {MAX_RECORD_TEXT_LENGTH} characters")
    return value


def opt_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def opt_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def opt_int(value: Any, what: str) -> int | None:
    """A non-negative integer; 0 and absent mean unknown (models.dev uses 0 for unknown)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidRecord(f"{what} is not a non-negative integer")
    return int(value) or None


def decimal_number(value: Any, what: str) -> Decimal | None:
    """A JSON number (or numeric string) as an exact Decimal; None when absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidRecord(f"{what} is not a number")
    try:
        # str() first: Decimal(0.1) would carry the binary float error, Decimal("0.1") does not.
        result = Decimal(str(value))
    except InvalidOperation:
        raise InvalidRecord(f"{what} is not a number: {value!r}") from None
    return plausible(result, what)


def plausible(number: Decimal, what: str) -> Decimal:
    """A finite number of sane magnitude, else InvalidRecord (never a crash later)."""
    if not number.is_finite():
        raise InvalidRecord(f"{what} is not finite")
    if number and not _SMALLEST_EXPONENT <= number.adjusted() <= _LARGEST_EXPONENT:
        raise InvalidRecord(f"{what} is out of range: {number}")
    return number


def sane_price(amount: Decimal, what: str) -> Decimal:
    """A price in [0, MAX_PRICE], else InvalidRecord."""
    if amount < 0:
        raise InvalidRecord(f"{what} is negative: {amount}")
    if amount > MAX_PRICE:
        raise InvalidRecord(f"{what} is implausibly high: {amount} USD (limit {MAX_PRICE})")
    return amount


def string_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def loose_date(value: Any) -> date | None:
    """YYYY-MM-DD, or YYYY-MM (first of the month); None when absent or malformed."""
    if not isinstance(value, str):
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m"):
        try:
            return datetime.strptime(value[:10], fmt).date()  # a date: no zone involved
        except ValueError:
            continue
    return None


def iso_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def normalize_decimal(value: Decimal) -> Decimal:
    """Drop trailing zeros so 3.000000 and 3 hash and compare the same. Exact."""
    normalized = value.normalize(EXACT)
    # normalize() writes 100 as 1E+2; back to an integer exponent (int() is exact).
    whole = normalized == normalized.to_integral_value(context=EXACT)
    return Decimal(int(normalized)) if whole else normalized


def sub(raw: JsonObject, key: str) -> JsonObject:
    """A nested object, or {} when absent or not an object (optional groups of fields)."""
    value = raw.get(key)
    return value if isinstance(value, dict) else {}
