"""What PostgreSQL text and jsonb cannot hold: the NUL character (U+0000).

A statement with a NUL in a text parameter, or a `\\u0000` escape in a jsonb value, fails.
The APIs refuse such input (schema.text_input, the REST id route) and the sync rejects
such upstream records (sync.sources.common) instead of failing the write.
"""

from __future__ import annotations

from typing import Any

NUL = "\x00"


def holds_nul(value: Any) -> bool:
    """True when a string anywhere in decoded JSON (keys included) holds a NUL. Iterative:
    JSON may be nested deeper than Python's recursion limit."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False
