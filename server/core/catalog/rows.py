"""The row type every catalog query returns: a read-only mapping of column name to value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Mapping[Any, Any] so both SQLAlchemy RowMapping and plain dicts fit.
Row = Mapping[Any, Any]
