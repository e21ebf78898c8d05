"""How each class of node and each relation is drawn: one table, read by the renderer and the legend.

Colours were picked to stay distinct for the common forms of colour blindness and from each other (the
measure's orange and the pollutant's wine red, the sector's yellow and the agency's green are far apart in
hue and lightness), and are doubled by a shape per class, so the legend never relies on colour alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class NodeStyle:
    """The look of one class of node."""

    kind: str
    label: str
    color: str
    shape: str
    font_color: str = "#1b1b1b"
    size: int = 14


@dataclass(frozen=True)
class EdgeStyle:
    """The look of one relation."""

    relation: str
    label: str
    color: str
    dashes: bool = False
    width: float = 1.2


NODE_STYLES: dict[str, NodeStyle] = {style.kind: style for style in (
    NodeStyle("plan", "Plan", "#1f4e79", "box", font_color="#ffffff"),
    NodeStyle("measure", "Measure", "#e69f00", "dot", size=11),
    NodeStyle("agency", "Agency", "#009e73", "diamond", size=13),
    NodeStyle("pollutant", "Pollutant", "#8e0152", "triangle", size=16),
    NodeStyle("sector", "Sector", "#e7c619", "square", size=12),
    NodeStyle("deadline", "Deadline", "#6b6b6b", "hexagon", size=11),
    NodeStyle("region", "Region", "#56b4e9", "triangleDown", size=15),
)}

EDGE_STYLES: dict[str, EdgeStyle] = {style.relation: style for style in (
    EdgeStyle("lead", "lead", "#b2182b", width=2.2),
    EdgeStyle("responsible", "responsible", "#ef8a62", width=1.8),
    EdgeStyle("support", "support", "#67a9cf"),
    EdgeStyle("implementing", "implementing", "#1a9850"),
    EdgeStyle("stated_pollutant", "targets pollutant", "#8e0152"),
    EdgeStyle("inferred_pollutant", "targets pollutant (inferred)", "#8e0152", dashes=True),
    EdgeStyle("stated_sector", "in sector", "#b89b00"),
    EdgeStyle("inferred_sector", "in sector (inferred)", "#b89b00", dashes=True),
    EdgeStyle("due_by", "due by", "#6b6b6b"),
    EdgeStyle("part_of_plan", "part of plan", "#1f4e79"),
    EdgeStyle("in_region", "in region", "#56b4e9", width=1.8),
    EdgeStyle("mentions_region", "mentions region", "#56b4e9", dashes=True),
    EdgeStyle("within", "within", "#9ecae1"),
    EdgeStyle("carries_out", "carries out (lineage, scored)", "#7b3294", width=1.8, dashes=True),
    EdgeStyle("count_pollutant", "measures targeting the pollutant (count)", "#8e0152", width=2),
    EdgeStyle("count_sector", "measures in the sector (count)", "#b89b00", width=2),
    EdgeStyle("count_agency", "measures giving the agency a role (count)", "#009e73", width=2),
)}

#: Short labels drawn on the edges (the legend gives the long form).
EDGE_LABELS: dict[str, str] = {
    "lead": "lead", "responsible": "responsible", "support": "support", "implementing": "implementing",
    "stated_pollutant": "targets", "inferred_pollutant": "targets?", "stated_sector": "in sector",
    "inferred_sector": "in sector?", "due_by": "due by", "part_of_plan": "part of", "in_region": "in region",
    "mentions_region": "mentions", "within": "within", "carries_out": "carries out",
}

ROLES: tuple[str, ...] = ("lead", "responsible", "support", "implementing")


def legend(kinds: Iterable[str] | None = None,
           relations: Iterable[str] | None = None) -> dict[str, list[dict[str, object]]]:
    """The legend as plain data: one entry per node class and per relation (only those given, if given)."""
    shown_kinds = set(NODE_STYLES if kinds is None else kinds)
    shown_relations = set(EDGE_STYLES if relations is None else relations)
    return {
        "nodes": [{"kind": s.kind, "label": s.label, "color": s.color, "shape": s.shape}
                  for s in NODE_STYLES.values() if s.kind in shown_kinds],
        "edges": [{"relation": s.relation, "label": s.label, "color": s.color, "dashes": s.dashes}
                  for s in EDGE_STYLES.values() if s.relation in shown_relations],
    }
