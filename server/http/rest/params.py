"""Query-parameter parsing: every rule names the parameter, so a 400 says what to fix."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from server.core.errors import ValidationError
from server.core.limits import MAX_FILTER_PRICE, MAX_TEXT_LENGTH

TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no"})
_INTEGER = re.compile(r"-?[0-9]{1,12}\Z")


def _invalid(name: str, rule: str, raw: str) -> ValidationError:
    return ValidationError(f"{name} {rule}", details={"parameter": name, "value": raw[:100]})


def integer(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    rule = f"must be an integer between {low} and {high}"
    # Plain digits only: int() would also take "1_000", "+5" or " 5 ", which no client means.
    if not _INTEGER.match(raw):
        raise _invalid(name, rule, raw)
    value = int(raw)
    if not low <= value <= high:
        raise _invalid(name, rule, raw)
    return value


def optional_integer(query: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    if query.get(name) is None:
        return None
    return integer(query, name, low, low, high)


def boolean(query: Mapping[str, str], name: str) -> bool | None:
    raw = query.get(name)
    if raw is None:
        return None
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _invalid(name, "must be true or false", raw)


def text(query: Mapping[str, str], name: str) -> str | None:
    raw = query.get(name)
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_TEXT_LENGTH:
        raise _invalid(name, f"must be at most {MAX_TEXT_LENGTH} characters", raw)
    if any(ord(ch) < 32 for ch in raw):
        raise _invalid(name, "must not contain control characters", raw)
    return raw.strip()


def choices(query: Mapping[str, str], name: str, allowed: Collection[str]) -> tuple[str, ...]:
    """A comma-separated list whose items must all be in allowed."""
    raw = query.get(name)
    if not raw:
        return ()
    items = tuple(dict.fromkeys(raw.split(",")))
    if any(item not in allowed for item in items):
        rule = f"must be a comma-separated list of: {', '.join(sorted(allowed))}"
        raise _invalid(name, rule, raw)
    return items


def one_of(query: Mapping[str, str], name: str, allowed: Collection[str]) -> str | None:
    raw = query.get(name)
    if raw is None:  # an empty value is a mistake, not "no filter"
        return None
    if raw not in allowed:
        raise _invalid(name, f"must be one of: {', '.join(sorted(allowed))}", raw)
    return raw


def price(query: Mapping[str, str], name: str) -> Decimal | None:
    raw = query.get(name)
    if raw is None:
        return None
    rule = f"must be a non-negative number up to {MAX_FILTER_PRICE} (USD per 1M tokens)"
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise _invalid(name, rule, raw) from None
    # The upper bound keeps absurd exponents (1e999999) away from PostgreSQL's numeric.
    if not value.is_finite() or not 0 <= value <= MAX_FILTER_PRICE:
        raise _invalid(name, rule, raw)
    return value


def day(query: Mapping[str, str], name: str) -> date | None:
    raw = query.get(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise _invalid(name, "must be a date in YYYY-MM-DD form", raw) from None


def reject_unknown(query: Mapping[str, str], allowed: Collection[str]) -> None:
    """A parameter this route does not know is a 400 naming it (a typo such as
    `?capability=tools` would otherwise silently return everything)."""
    unknown = sorted({name for name in query if name not in allowed})
    if unknown:
        raise ValidationError(
            f"unknown query parameter(s): {', '.join(unknown)}; "
            f"this route accepts: {', '.join(sorted(allowed))}",
            details={"unknown": unknown[:20], "allowed": sorted(allowed)},
        )
