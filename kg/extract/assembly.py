"""Document → :class:`~kg.models.Plan`: segmenting, then each measure's agencies, leaders, deadlines,
pollutants, sectors, targets and regions, each with its source span."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel

from kg.extract.agencies import canonical_agency
from kg.extract.roles import (
    AssignmentsFound,
    ListConvention,
    RawAssignment,
    assignments_from_cells,
    blanket_statements,
    find_assignments,
    heading_assignments,
    list_convention,
    people_named,
)
from kg.extract.deadlines import find_deadlines
from kg.errors import DocumentError
from kg.models import AgencyAssignment, Deadline, Leader, Level, Measure, Plan, RegionMention, RegionRef, Section, Span
from kg.extract.header import clean_title, read_header
from kg.extract.normalising import NormalText, normalise
from kg.extract.reading import SourceDocument
from kg.regions import gazetteer
from kg.extract.quality import assess_quality
from kg.extract.segmenting import Node, Outline, node_span, paragraph_outline, segment
from kg.extract.targets import find_targets
from kg.extract.concepts import concept_mentions


@dataclass(frozen=True)
class PlanOverrides:
    """What the user says about a plan, over what airkg detects."""

    title: str | None = None
    region: str | None = None
    year: int | None = None
    plan_id: str | None = None


def plan_id_for(file_name: str) -> str:
    """A stable id from the file name: '000_aa781de31b5c5cff.txt' → '000_aa781de31b5c5cff'."""
    stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")
    if slug and slug == stem:
        return slug
    return f"p-{hashlib.sha1(stem.encode('utf-8')).hexdigest()[:12]}"


def extract_plan(document: SourceDocument, overrides: PlanOverrides = PlanOverrides()) -> Plan:
    """Extract the plan in ``document``.

    Raises:
        DocumentError: the text has no numbered measures, so it is not a plan airkg can read.
    """
    normal = normalise(document.text)
    text = normal.text
    outline = segment(text)
    header = read_header(text, outline, fallback_title=document.name.rsplit(".", 1)[0])
    region = _region_override(overrides.region) or header.region
    year = overrides.year or header.year
    plan_id = overrides.plan_id or plan_id_for(document.name)
    if not outline.measures():
        outline = paragraph_outline(text, outline)
    measures = _measures(normal, outline, plan_id, region, year)
    if not measures:
        raise DocumentError(f"{document.name}: no numbered measures found (一、 （一） 1． …); is this an action plan?")
    title_span = header.title_span
    plan = Plan(
        id=plan_id,
        source_file=document.name,
        sha256=document.sha256,
        title=overrides.title or (clean_title(normal.written(title_span.start, title_span.end)) if title_span
                                  else header.title),
        title_span=title_span,
        issuer=header.issuer,
        region=region,
        level=region.level if region else None,
        doc_number=header.doc_number,
        issued=header.issued,
        year=year,
        period_start=header.period_start,
        period_end=header.period_end,
        targets=[t for span in outline.plan_level_spans for t in find_targets(span.text, span.start)],
        sections=_sections(normal, outline),
        measures=measures,
    )
    return assess_quality(_in_original(plan, normal), numbered=outline.numbered)


_Model = TypeVar("_Model")


def _in_original(value: _Model, normal: NormalText) -> _Model:
    """``value`` with every span moved from the normalised text to the original, and what the spans say
    (agency and leader names, deadline words) as written there."""
    if isinstance(value, Span):
        start, end = normal.original_span(value.start, value.end)
        return Span(start=start, end=end, text=normal.original[start:end])  # type: ignore[return-value]
    if isinstance(value, list):
        return [_in_original(item, normal) for item in value]  # type: ignore[return-value]
    if not isinstance(value, BaseModel):
        return value
    update = {name: _in_original(getattr(value, name), normal) for name in type(value).model_fields
              if isinstance(getattr(value, name), (Span, list, BaseModel))}
    if isinstance(value, Measure):
        update["text"] = update["span"].text
    elif isinstance(value, Deadline):
        update["text"] = normal.written(value.span.start, value.span.end)
    elif isinstance(value, (AgencyAssignment, Leader)) and value.name.startswith(value.span.text):
        update["name"] = normal.written(value.span.start, value.span.end) + value.name[len(value.span.text):]
    return value.model_copy(update=update)


def _region_override(name: str | None) -> RegionRef | None:
    if not name:
        return None
    region = gazetteer().resolve(name)
    if region is None:
        raise DocumentError(f"unknown or ambiguous region {name!r}; give its full name, e.g. 山东省济南市 → 济南市")
    return region


def _sections(normal: NormalText, outline: Outline) -> list[Section]:
    return [
        Section(path=node.path, number=node.heading.label, title=_written(normal, node.title),
                plan_level=node.plan_level, span=node_span(normal.text, node))
        for node in outline.nodes if node.children or node.plan_level
    ]


def _written(normal: NormalText, span: Span) -> str:
    return normal.written(span.start, span.end)


def _measures(normal: NormalText, outline: Outline, plan_id: str, region: RegionRef | None,
              year: int | None) -> list[Measure]:
    text = normal.text
    leaves = outline.measures()
    people, convention = people_named(text), list_convention(text)
    found = [_assignments_of(text, node, outline, people, convention) for node in leaves]
    _share_label_blocks(leaves, found)
    for node, assignments in zip(leaves, found):
        assignments.assignments.extend(_from_headings(node, assignments.assignments))
    blankets = blanket_statements(text)
    measures = []
    seen_paths: set[str] = set()
    for node, assignments in zip(leaves, found):
        own = {(a.name, a.role) for a in assignments.assignments}
        inherited = _unique([a for position, named in blankets if position < node.start for a in named
                             if (a.name, a.role) not in own])
        measures.append(_measure(normal, node, plan_id, region, year, assignments, inherited, seen_paths))
    return measures


def _from_headings(node: Node, own: list[RawAssignment]) -> list[RawAssignment]:
    """What the headings above ``node`` assign to everything below them (（二）县交通运输局牵头的任务)."""
    names = {a.name for a in own}
    inherited, parent = [], node.parent
    while parent is not None:
        inherited += [a for a in heading_assignments(parent.title) if a.name not in names]
        parent = parent.parent
    return inherited


def _unique(assignments: list[RawAssignment]) -> list[RawAssignment]:
    seen: set[tuple[str, str]] = set()
    return [a for a in assignments if (a.name, a.role) not in seen and not seen.add((a.name, a.role))]


def _assignments_of(text: str, node: Node, outline: Outline, people: frozenset[str],
                    convention: ListConvention) -> AssignmentsFound:
    span = node_span(text, node)
    found = find_assignments(span.text, span.start, people, convention)
    if node.heading.style == "table_row" and outline.table_columns:
        found.assignments.extend(assignments_from_cells(_cells(span, outline.table_columns), text, convention))
    return found


def _cells(span: Span, columns: list[str]) -> dict[str, list[Span]]:
    """A table row's cells by column; a continuation line (leading TABs for the empty cells before the
    wrapped one) adds its pieces to the cells it lines up with."""
    cells: dict[str, list[Span]] = {header: [] for header in columns}
    position = span.start
    for index, line in enumerate(span.text.split("\n")):
        if index == 0 or "\t" in line:
            column_start = position
            for column, cell in enumerate(line.split("\t")):
                if cell.strip():
                    header = columns[_column_of(column, len(columns))]
                    cells[header].append(Span(start=column_start, end=column_start + len(cell), text=cell))
                column_start += len(cell) + 1
        position += len(line) + 1
    return cells


def _column_of(index: int, count: int) -> int:
    """Cells past the last column are a continuation line run on (its line break lost with the
    previous cell's end): they start again at the first column."""
    return index if index < count else (index - count + 1) % count


def _share_label_blocks(leaves: list[Node], found: list[AssignmentsFound]) -> None:
    """Items with no block of their own take the block of the next item in their section that has one."""
    for index in range(len(leaves) - 1, -1, -1):
        if found[index].label_block is None:
            continue
        previous = index - 1
        while previous >= 0 and leaves[previous].parent is leaves[index].parent and _bare(found[previous]):
            found[previous].assignments = list(found[index].assignments)
            found[previous].leaders = list(found[index].leaders)
            previous -= 1


def _bare(found: AssignmentsFound) -> bool:
    return not found.assignments and not found.leaders and found.label_block is None


def _measure(normal: NormalText, node: Node, plan_id: str, region: RegionRef | None, year: int | None,
             found: AssignmentsFound, inherited: list[RawAssignment], seen_paths: set[str]) -> Measure:
    span = node_span(normal.text, node)
    path = _unique_path(node.path, seen_paths)
    pollutant_mentions, sector_mentions = concept_mentions(span.text, span.start)
    return Measure(
        id=f"{plan_id}:{path}",
        path=path,
        number=node.heading.label,
        title=_written(normal, node.title),
        section_path=node.parent.path if node.parent else None,
        text=span.text,
        span=span,
        agencies=[_canonical(a, region, blanket=False) for a in found.assignments]
        + [_canonical(a, region, blanket=True) for a in inherited],
        leaders=[Leader(name=name, span=leader_span) for name, leader_span in found.leaders],
        deadlines=find_deadlines(span.text, year, span.start),
        pollutants=pollutant_mentions,
        sectors=sector_mentions,
        targets=find_targets(span.text, span.start),
        regions=_region_mentions(span, region, found.name_spans),
    )


def _unique_path(path: str, seen: set[str]) -> str:
    candidate, copy = path, 2
    while candidate in seen:
        candidate, copy = f"{path}~{copy}", copy + 1
    seen.add(candidate)
    return candidate


def _canonical(raw: RawAssignment, region: RegionRef | None, blanket: bool) -> AgencyAssignment:
    agency = canonical_agency(raw.name, region)
    return AgencyAssignment(
        name=raw.name, canonical=agency.canonical, canonical_en=agency.english, role=raw.role, agency_type=agency.agency_type,
        jurisdiction=agency.jurisdiction, collective=agency.collective, blanket=blanket, span=raw.span,
    )


def _region_mentions(span: Span, region: RegionRef | None, agency_spans: list[Span]) -> list[RegionMention]:
    """Regions inside the plan's region that the measure names, outside agency names (兖州营业部).

    Short names (秦都 for 秦都区) count for the level just below the plan's: a province plan's 临沂
    is 临沂市, but its 泰山 (泰山区, inside a company name) is not matched.
    """
    if region is None or region.level == Level.national:
        return []
    mentions: dict[str, RegionMention] = {}
    for match in gazetteer().find(span.text, within=region.code, short_names=True):
        start, end = span.start + match.start, span.start + match.end
        short = span.text[match.start:match.end] != match.region.name
        if match.region.code == region.code or (short and _two_levels_below(match.region, region)):
            continue
        if any(a.start < end and start < a.end for a in agency_spans) or _in_company_name(span.text, match.end):
            continue
        mention_span = Span(start=start, end=end, text=span.text[match.start:match.end])
        mentions.setdefault(match.region.code, RegionMention(region=match.region, span=mention_span))
    return list(mentions.values())


_CLAUSE_END = re.compile(r"[，。、；：,;:\n（(]")


def _in_company_name(text: str, end: int) -> bool:
    """临沂 in 临沂钢铁投资集团特钢有限公司 names a company, not a place the measure is about."""
    rest = _CLAUSE_END.split(text[end:end + 30], maxsplit=1)[0]
    return bool(re.search(r"(公司|集团|有限|股份|厂)", rest))


def _two_levels_below(named: RegionRef, plan_region: RegionRef) -> bool:
    return plan_region.level == Level.province and named.level in (Level.county, Level.district)
