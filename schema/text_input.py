"""Text that PostgreSQL cannot store is refused before execution.

PostgreSQL text can never hold a NUL (U+0000) character: a statement with one as a
parameter fails, so `model(id: "a\\u0000b")` used to end as a masked internal error, and in
a snapshot transaction it would also fail every later statement of the request. No stored
id, name or value can contain one, so such input is a client mistake: the document's string
literals are checked by a validation rule (cached with the document) and the variables on
every request, and either is answered with VALIDATION_ERROR and no database work.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, StringValueNode, ValidationRule

from server.core.errors import ValidationError
from server.core.limits import MAX_TEXT_LENGTH
from server.core.storable_text import NUL

MESSAGE = "text arguments must not contain NUL (U+0000) characters"


def nul_error(node: StringValueNode | None = None) -> GraphQLError:
    return GraphQLError(MESSAGE, node, extensions={"code": "VALIDATION_ERROR"})


class NoNulInStringsRule(ValidationRule):
    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if NUL in node.value:
            self.report_error(nul_error(node))


def check_length(argument: str, value: str | None) -> None:
    """The REST routes' length rule for text arguments: a longer text matches no model and
    only costs the database time (VALIDATION_ERROR before any query)."""
    if value is not None and len(value) > MAX_TEXT_LENGTH:
        raise ValidationError(
            f"{argument} must be at most {MAX_TEXT_LENGTH} characters",
            details={"argument": argument, "length": len(value)},
        )
