"""The parse and validation cache, bounded by entry count AND by memory.

Strawberry's ParserCache / ValidationCache are `functools.lru_cache`s bounded by entry count
only: 1,024 distinct 1 MB documents (a long comment or string passes the token limit) held
gigabytes that were never freed. Here one LRU keyed by the query text holds the parsed
document and its validation errors together, and charges each entry an estimate of what it
really holds: the text (kept twice: as the key and inside the document's source) plus
TOKEN_BYTES per token (measured with tracemalloc: a 1,990-field document of 10.8 kB parses
into 1.2 MB of nodes and tokens, ~615 bytes per token). A document whose text is over
max_document_bytes is parsed and validated every time, never kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, GraphQLError, parse

TOKEN_BYTES = 640
Rules = tuple[Any, ...]


@dataclass
class _Entry:
    document: DocumentNode
    charge: int
    errors: dict[Rules, list[GraphQLError]] = field(default_factory=dict)


def document_charge(query: str, document: DocumentNode) -> int:
    """Estimated bytes an entry keeps alive: the text twice plus every token's nodes."""
    tokens = 0
    token = document.loc.start_token if document.loc else None
    while token is not None:
        tokens += 1
        token = token.next
    return 2 * len(query) + TOKEN_BYTES * tokens


class DocumentCache:
    def __init__(self, max_entries: int, max_bytes: int, max_document_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_document_bytes = max_document_bytes
        self._entries: OrderedDict[tuple[str, Any], _Entry] = OrderedDict()
        self._bytes = 0

    def configure(self, max_entries: int, max_bytes: int, max_document_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_document_bytes = max_document_bytes
        self._evict()

    @property
    def charged_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def parse(self, query: str, options: Mapping[str, Any]) -> DocumentNode:
        key = (query, tuple(sorted(options.items())))
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            return entry.document
        document = parse(query, **options)
        if len(query) <= self.max_document_bytes:
            charge = document_charge(query, document)
            self._entries[key] = _Entry(document, charge)
            self._bytes += charge
            self._evict()
        return document

    def validate(
        self,
        query: str,
        options: Mapping[str, Any],
        document: DocumentNode,
        rules: Rules,
        run: Callable[[], list[GraphQLError]],
    ) -> list[GraphQLError]:
        """run()'s errors, remembered with the document when it is cached."""
        entry = self._entries.get((query, tuple(sorted(options.items()))))
        if entry is None or entry.document is not document:
            return run()
        errors = entry.errors.get(rules)
        if errors is None:
            errors = entry.errors[rules] = run()
        return errors

    def _evict(self) -> None:
        while self._entries and (
            len(self._entries) > self.max_entries or self._bytes > self.max_bytes
        ):
            _, entry = self._entries.popitem(last=False)
            self._bytes -= entry.charge
