"""What to draw: the filters of ``/graph`` and ``airkg viz``, checked once, as one frozen value."""

from __future__ import annotations

import calendar
import os
import re
from dataclasses import dataclass, field, replace
from datetime import date

from kg.errors import InputError, NotFound
from kg.store import is_iri
from viz.links import compact_id, graph_url, to_iri
from viz.style import ROLES

#: Nodes drawn at most, unless ``AIRKG_GRAPH_MAX_NODES`` or ``limit`` says otherwise.
DEFAULT_MAX_NODES = 300
#: The largest ``limit`` a request may ask for: past it the browser's layout stalls.
HARD_MAX_NODES = 2000
MAX_NODES_ENV = "AIRKG_GRAPH_MAX_NODES"
#: Entities a ``nodes`` list may name.
MAX_NODES_PARAM = 1000
#: The basis a pollutant or sector filter counts on, the same default as the lists (api.models.MeasureFilter).
DEFAULT_BASIS = "stated"
BASES = ("stated", "inferred", "any")
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def default_max_nodes() -> int:
    """The node cap: ``AIRKG_GRAPH_MAX_NODES`` if set, else :data:`DEFAULT_MAX_NODES`."""
    raw = os.environ.get(MAX_NODES_ENV)
    if not raw:
        return DEFAULT_MAX_NODES
    try:
        return check_limit(int(raw))
    except ValueError:
        raise InputError(f"{MAX_NODES_ENV} must be a whole number, not {raw!r}") from None


def check_limit(limit: int) -> int:
    if not 10 <= limit <= HARD_MAX_NODES:
        raise InputError(f"the node limit must be between 10 and {HARD_MAX_NODES}, not {limit}")
    return limit


def parse_date(text: str, end: bool) -> date:
    """``2023``, ``2023-06`` or ``2023-06-15`` as the first (or, with ``end``, last) day it covers.

    >>> parse_date("2023-02", end=True)
    datetime.date(2023, 2, 28)

    Raises:
        InputError: Not such a date.
    """
    match = _DATE.fullmatch(text.strip())
    if not match:
        raise InputError(f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {text!r}")
    year_text, month_text, day_text = match.groups()
    year = int(year_text)
    try:
        if month_text is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        month = int(month_text)
        if day_text is None:
            return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        return date(year, month, int(day_text))
    except ValueError as exc:
        raise InputError(f"not a date: {text!r} ({exc})") from None


def _entity(value: str) -> str:
    """The IRI ``value`` names (:func:`~viz.links.to_iri`).

    Raises:
        NotFound: No IRI can be written so (``%zz``, a control character): nothing in the graph has it.
    """
    iri = to_iri(value)
    if not is_iri(iri):
        raise NotFound(f"nothing in the graph is {value.strip()!r}")
    return iri


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


@dataclass(frozen=True)
class GraphFilter:
    """The filters of one graph view. Filters combine with AND; empty ones are left out.

    Attributes:
        plan: A plan id or IRI.
        region: A region name (山东省, 山东, Shandong), code (370000) or IRI; sub-regions are included.
        pollutant: A pollutant code (VOCs), label (挥发性有机物) or IRI; stated or inferred.
        sector: A sector code, label or IRI; narrower sectors are included.
        agency: An agency name (canonical or as written), id or IRI.
        role: lead, responsible, support or implementing (of ``agency`` if given, else of any agency).
        due_from: A deadline due on or after this day (as the lists, the API and deadlines-in-range).
        due_to: A deadline due on or before this day (a month or a year: its last day).
        focus: Draw the neighbourhood of this entity (IRI or id) instead.
        depth: Steps out from ``focus``: 1 or 2.
        nodes: Draw these entities (IRIs or ids) with their measures' context instead.
        limit: Draw at most this many nodes; past it, aggregate.
        basis: Which pollutants and sectors count: ``stated`` (named in the text, the default everywhere),
            ``inferred`` (implied by a sector it names) or ``any``; the same control as the lists'.
    """

    plan: str | None = None
    region: str | None = None
    pollutant: str | None = None
    sector: str | None = None
    agency: str | None = None
    role: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    focus: str | None = None
    depth: int = 1
    nodes: tuple[str, ...] = field(default_factory=tuple)
    limit: int = DEFAULT_MAX_NODES
    basis: str = DEFAULT_BASIS

    @classmethod
    def parse(
        cls,
        plan: str | None = None,
        region: str | None = None,
        pollutant: str | None = None,
        sector: str | None = None,
        agency: str | None = None,
        role: str | None = None,
        due_from: str | None = None,
        due_to: str | None = None,
        focus: str | None = None,
        depth: int = 1,
        nodes: list[str] | tuple[str, ...] | None = None,
        limit: int | None = None,
        basis: str | None = None,
    ) -> GraphFilter:
        """Check raw values (query parameters or CLI options) and build the filter.

        Raises:
            InputError: A value is malformed (unknown role, bad date, depth not 1 or 2, ...).
            NotFound: ``focus`` or ``nodes`` name no IRI (``%zz``): nothing in the graph.
        """
        basis = (_clean(basis) or DEFAULT_BASIS).lower()
        if basis not in BASES:
            raise InputError(f"basis must be one of {', '.join(BASES)}, not {basis!r}")
        role = _clean(role)
        if role is not None and role not in ROLES:
            raise InputError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if depth not in (1, 2):
            raise InputError(f"depth must be 1 or 2, not {depth}")
        due_from, due_to = _clean(due_from), _clean(due_to)
        start = parse_date(due_from, end=False) if due_from else None
        end = parse_date(due_to, end=True) if due_to else None
        if start and end and start > end:
            raise InputError(f"due_from ({start}) is after due_to ({end})")
        ids = tuple(dict.fromkeys(compact_id(_entity(n)) for n in (nodes or ()) if n.strip()))
        if len(ids) > MAX_NODES_PARAM:
            raise InputError(f"{len(ids)} entities in nodes; at most {MAX_NODES_PARAM}")
        focus = _clean(focus)
        if focus and ids:
            raise InputError("give either focus or nodes, not both")
        return cls(
            plan=_clean(plan), region=_clean(region), pollutant=_clean(pollutant), sector=_clean(sector),
            agency=_clean(agency), role=role, due_from=start, due_to=end,
            focus=compact_id(_entity(focus)) if focus else None, depth=depth, nodes=ids,
            limit=check_limit(limit) if limit is not None else default_max_nodes(), basis=basis,
        )

    @property
    def mode(self) -> str:
        """``focus``, ``nodes`` or ``filter``."""
        if self.focus:
            return "focus"
        return "nodes" if self.nodes else "filter"

    def params(self) -> dict[str, str | int | tuple[str, ...] | None]:
        """The filter as query parameters (the inverse of :meth:`parse`)."""
        return {
            "plan": self.plan, "region": self.region, "pollutant": self.pollutant, "sector": self.sector,
            "agency": self.agency, "role": self.role,
            "due_from": self.due_from.isoformat() if self.due_from else None,
            "due_to": self.due_to.isoformat() if self.due_to else None,
            "focus": self.focus, "depth": self.depth if self.focus else None, "nodes": self.nodes or None,
            "limit": self.limit if self.limit != default_max_nodes() else None,
            "basis": self.basis if self.basis != DEFAULT_BASIS else None,
        }

    def url(self, **changes: object) -> str:
        """This view's ``/graph`` URL, with some fields changed."""
        return graph_url(**replace(self, **changes).params())  # type: ignore[arg-type]

    def describe(self) -> list[tuple[str, str]]:
        """The filters in force, as (name, value) pairs for the page."""
        pairs = [(name, str(value)) for name, value in self.params().items()
                 if value is not None and name not in ("nodes", "limit", "depth", "basis")]
        if self.pollutant or self.sector:
            pairs.append(("basis", self.basis))
        if self.nodes:
            pairs.append(("nodes", f"{len(self.nodes)} entities"))
        if self.focus:
            pairs.append(("depth", str(self.depth)))
        return pairs
