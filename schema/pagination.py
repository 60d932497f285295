"""Relay-style connections with opaque offset cursors.

A cursor names an offset AND the query it belongs to: a fingerprint of the filter, sort
and catalog version. A cursor from another query or from before a sync changed the catalog
is refused with STALE_CURSOR (restart from the first page) rather than silently skipping
or repeating rows; a cursor that does not decode is a VALIDATION_ERROR.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry

from schema.errors import StaleCursor
from server.core.errors import ValidationError
from server.core.limits import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

_PREFIX = "c1:"

N = TypeVar("N")
R = TypeVar("R")


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more items follow this page.")
    has_previous_page: bool = strawberry.field(description="True when items precede this page.")
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first item of this page."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item: pass it as `after` for the next page."
    )


@strawberry.type
class Edge(Generic[N]):
    cursor: str = strawberry.field(
        description="Opaque position of this item, tied to the query and the catalog version."
    )
    node: N = strawberry.field(description="The item.")


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(
        description="The items of this page, with their cursors."
    )
    page_info: PageInfo = strawberry.field(description="Where this page sits in the whole list.")
    total_count: int = strawberry.field(description="Items matching the query, over all pages.")


def fingerprint(*parts: object) -> str:
    return hashlib.blake2s(repr(parts).encode(), digest_size=6).hexdigest()


def encode_cursor(offset: int, print_: str) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}:{print_}".encode()).decode()


def decode_cursor(cursor: str, print_: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        offset_text, _, seen = raw.removeprefix(_PREFIX).partition(":")
        offset = int(offset_text)
    except (binascii.Error, UnicodeError, ValueError):
        raise ValidationError("invalid cursor: pass an endCursor from a previous page") from None
    if not raw.startswith(_PREFIX) or offset < 0:
        raise ValidationError("invalid cursor: pass an endCursor from a previous page")
    if seen != print_:
        raise StaleCursor(
            "cursor is stale: the catalog or the query changed since it was issued; "
            "restart from the first page"
        )
    return offset


@dataclass(frozen=True)
class Window:
    offset: int
    limit: int
    print_: str


def page_window(first: int | None, after: str | None, print_: str) -> Window:
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError(
            f"first must be between 1 and {MAX_PAGE_SIZE}", details={"first": first}
        )
    offset = 0 if after is None else decode_cursor(after, print_) + 1
    return Window(offset, size, print_)


def build_connection(
    rows: Sequence[R], total: int, window: Window, to_node: Callable[[R], N]
) -> Connection[N]:
    edges = [
        Edge(cursor=encode_cursor(window.offset + i, window.print_), node=to_node(row))
        for i, row in enumerate(rows)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=window.offset + len(rows) < total,
            has_previous_page=window.offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )
