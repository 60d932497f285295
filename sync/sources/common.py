"""Helpers shared by the adapters."""

from __future__ import annotations

from sync.records import Normalized


def finish(result: Normalized) -> Normalized:
    """Drop duplicate external ids (first wins) so one record never counts twice."""
    seen: set[str] = set()
    unique = []
    for item in result.items:
        if item.external_id in seen:
            result.reject(item.external_id, "duplicate id")
            continue
        seen.add(item.external_id)
        unique.append(item)
    result.items = unique
    return result
