"""Query limits, enforced during validation so a refused document does no database work.

Fragment fan-out (FragmentExpansionRule): fragments that each spread the next one twice
describe 2^n fields in a few hundred bytes, and every rule that walks the document as if
its fragments were inlined (Strawberry's depth and alias validators, the cost rule below)
takes 2^n steps. So the size of the inlined document is computed first, in one linear
pass (each fragment's size is computed once and remembered), and a document whose inlined
size exceeds MAX_EXPANDED_SELECTIONS is refused before any other rule looks at it
(schema.compose validates in two steps). Below that bound every rule's walk is bounded too.

The rule classes are built ONCE at import: the validation cache keys on the rule tuple, so
building new classes per request (e.g. `QueryDepthLimiter(...)` as a factory) would miss it.

Cost model (CostLimitRule): every object-typed field costs 1, times the number of items
its parent may return. A connection returns `first` items (default 20, max 100); a plain
list field is assumed to hold LIST_ESTIMATE items. Page sizes therefore multiply:
models(first: 100) { … offerings { … provider { models(first: 100) … } } } costs
100 * 10 * 100 = 100,000+, far above MAX_QUERY_COST, while a rich 100-model page with
offerings, scores and providers stays around 3,000.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

from server.core.bounds import Bounds
from server.core.limits import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MAX_QUERY_ALIASES,
    MAX_QUERY_COST,
    MAX_QUERY_DEPTH,
    RESOLVE_MODEL_COST,
)

# Until configure() sets the settings' values: the defaults of the environment variables.
MAX_EXPANDED_SELECTIONS = Bounds().graphql_max_expanded_selections
MAX_DOCUMENT_CHARS = Bounds().graphql_max_document_chars
COST_CAP = 10**9  # beyond this the exact figure does not matter; keeps the number JSON-safe
LIST_ESTIMATE = 10
# Fields whose resolver does real database work whatever they select.
FIELD_COSTS: dict[tuple[str, str], int] = {("Query", "resolveModel"): RESOLVE_MODEL_COST}


def _unwrap_is_list(type_: Any) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _first_arg(node: FieldNode) -> int | None:
    """The literal `first`; a variable counts as the largest page (validation is cached per
    document, before variables are known)."""
    for arg in node.arguments or ():
        if arg.name.value != "first":
            continue
        if isinstance(arg.value, IntValueNode):
            return int(arg.value.value)
        if isinstance(arg.value, VariableNode):
            return MAX_PAGE_SIZE
    return None


class _Coster:
    def __init__(self, context: ValidationContext) -> None:
        self.schema = context.schema
        self.fragments = {
            d.name.value: d
            for d in context.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }

    def selection(
        self, parent: Any, selection_set: SelectionSetNode | None, seen: frozenset[str]
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += self.field(parent, sel, seen)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                total += self.selection(target, sel.selection_set, seen)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                frag = self.fragments.get(name)
                if frag is None or name in seen:  # cycles are reported by NoFragmentCycles
                    continue
                target = self.schema.get_type(frag.type_condition.name.value)
                total += self.selection(target, frag.selection_set, seen | {name})
        return total

    def field(self, parent: Any, node: FieldNode, seen: frozenset[str]) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0  # unions select fields through fragments; other rules report the rest
        definition = parent.fields.get(node.name.value)
        if definition is None or node.selection_set is None:
            return 0
        child = get_named_type(definition.type)
        own = FIELD_COSTS.get((parent.name, node.name.value), 1)
        inner = own + self.selection(child, node.selection_set, seen)
        first = _first_arg(node)
        if first is not None or "first" in definition.args:
            return min(max(first if first is not None else DEFAULT_PAGE_SIZE, 1) * inner, COST_CAP)
        # A connection's `edges` list is already counted by its `first`.
        is_plain_list = _unwrap_is_list(definition.type) and node.name.value != "edges"
        return min(inner * (LIST_ESTIMATE if is_plain_list else 1), COST_CAP)

    def operation(self, op: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(op.operation)
        return self.selection(root, op.selection_set, frozenset())


def query_cost(context: ValidationContext, op: OperationDefinitionNode) -> int:
    return _Coster(context).operation(op)


class CostLimitRule(ValidationRule):
    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        cost = query_cost(self.context, node)
        if cost > MAX_QUERY_COST:
            self.report_error(
                GraphQLError(
                    f"query cost {cost} exceeds the limit of {MAX_QUERY_COST}: ask for smaller "
                    "pages (`first`) or fewer nested lists",
                    node,
                    extensions={
                        "code": "QUERY_TOO_COSTLY",
                        "cost": cost,
                        "maxCost": MAX_QUERY_COST,
                    },
                )
            )


def _expansion_error(size: int, limit: int) -> GraphQLError:
    shown = f"more than {limit}" if size > limit else str(size)
    return GraphQLError(
        f"the document selects {shown} fields once its fragments are expanded; the limit "
        f"is {limit}: spread each fragment fewer times",
        extensions={"code": "QUERY_TOO_COMPLEX", "maxExpandedSelections": limit},
    )


class _Expansion:
    """Inlined selection counts, each fragment's computed once (so the walk is linear)."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], cap: int) -> None:
        self.fragments = fragments
        self.cap = cap  # counts saturate here: the exact figure beyond it does not matter
        self.sizes: dict[str, int] = {}

    def selection(self, selection_set: SelectionSetNode | None) -> int:
        total = 0
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                total += 1 + self.selection(sel.selection_set)
            elif isinstance(sel, InlineFragmentNode):
                total += self.selection(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode):
                total += self.fragment(sel.name.value)
            if total > self.cap:
                return self.cap + 1
        return total

    def fragment(self, name: str) -> int:
        if name not in self.sizes:
            self.sizes[name] = 0  # a cycle counts 0 here; NoFragmentCyclesRule reports it
            definition = self.fragments.get(name)
            if definition is not None:
                self.sizes[name] = self.selection(definition.selection_set)
        return self.sizes[name]


def configure(max_expanded_selections: int, max_document_chars: int) -> None:
    """The settings' values; the schema and its rules are process-wide."""
    global MAX_EXPANDED_SELECTIONS, MAX_DOCUMENT_CHARS
    MAX_EXPANDED_SELECTIONS = max_expanded_selections
    MAX_DOCUMENT_CHARS = max_document_chars


def document_refusal(query: object) -> str | None:
    """Why a GraphQL document is refused before parsing, or None: the lexer takes ~0.3 s of
    event loop for a 0.9 MB comment, which the token limit does not count."""
    if isinstance(query, str) and len(query) > MAX_DOCUMENT_CHARS:
        return (
            f"the GraphQL document is {len(query)} characters long; "
            f"the limit is {MAX_DOCUMENT_CHARS}"
        )
    return None


def expanded_size(document: DocumentNode, cap: int) -> int:
    """How many selections the document's operations hold with every fragment inlined
    (saturating just above `cap`)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    expansion = _Expansion(fragments, cap)
    total = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            total = min(total + expansion.selection(definition.selection_set), cap + 1)
    return total


class FragmentExpansionRule(ValidationRule):
    """Refuses a document whose inlined size is over the limit (run on its own, first)."""

    def enter_document(self, node: DocumentNode, *_: Any) -> None:
        size = expanded_size(node, MAX_EXPANDED_SELECTIONS)
        if size > MAX_EXPANDED_SELECTIONS:
            self.report_error(_expansion_error(size, MAX_EXPANDED_SELECTIONS))


DepthLimitRule = depth_validator(MAX_QUERY_DEPTH, None)
AliasLimitRule = alias_validator(MAX_QUERY_ALIASES)
LIMIT_RULES: tuple[type[ValidationRule], ...] = (DepthLimitRule, AliasLimitRule, CostLimitRule)
