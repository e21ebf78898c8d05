"""Quality flags: what an analyst should review in an extracted plan, at a glance.

One flag per kind on a plan or a measure, its instances counted (``count``) and the first one's words
given (``span``) when they are in the text. Flags say where extraction may have gone wrong or the
document is unusual; they change no fact.

Plan flags: ``no_numbering`` (the measures are paragraphs), ``numbering_gaps`` / ``numbering_repeats``
(siblings skip a number, 二、 → 四、, or repeat or restart one), ``unresolved_deadlines`` (relative words,
年底前, with no plan year), ``no_agencies``, ``no_year``, ``no_region``.

Measure flags: ``role_words_without_agencies`` (a 牵头单位： label, a role clause in brackets or an
organisation followed by 牵头/负责/配合, and no agency found), ``agency_name_has_role_word`` (市生态环境局牵头
taken as a name: never acceptable), ``agency_unknown_head`` (a name that does not end in an organisation's
head noun, 局 厅 委 办 中心 政府 公司 …, nor in a place standing for its government, 各市), ``long_measure``
(over 1,500 characters and over three times the plan's median: measures run together?),
``unresolved_deadline``.

>>> from kg.models import Measure, Span
>>> text = "（一）加强组织领导。牵头单位：市生态环境局。"
>>> measure = Measure(id="p:1", path="1", number="（一）", title="加强组织领导", section_path=None, text=text,
...                   span=Span(start=0, end=len(text), text=text))
>>> [(f.code.value, f.span.text) for f in measure_flags(measure)]
[('role_words_without_agencies', '牵头单位：')]
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from kg.extract.names import ORG_SUFFIX
from kg.models import DeadlineKind, FlagCode, Measure, Plan, QualityFlag, Span

try:  # traditional → simplified and full-width → ASCII, character for character
    from kg.extract.normalising import fold as _fold_text
except ImportError:  # pragma: no cover - the normalising stage is not there
    def _fold_text(text: str) -> str:
        return text

#: Measures longer than this many characters and than :data:`LONG_FACTOR` times the plan's median are flagged.
LONG_MEASURE_CHARS = 1500
LONG_FACTOR = 3
#: Instances named in a message at most.
_SHOWN = 5

_ROLE_VERB = "牵头|牽頭|负责|負責|配合|参与|參與|协助|協助|协办|協辦"
#: An organisation's head nouns (roles' ORG_SUFFIX, unanchored).
_ORG_HEADS = ORG_SUFFIX.pattern.removesuffix("$")
#: Words that, in a measure's text, say an agency is being given a role.
_ROLE_CUES = re.compile(
    # a label: 牵头单位： 责任部门： 配合单位： 协办单位： 主责单位： 落实单位：
    r"(?:牵头|牽頭|责任|責任|配合|参与|參與|协办|協辦|协助|協助|主责|主責|落实|落實|实施|實施)"
    r"(?:单位|單位|部门|部門|主体|主體)[：:]"
    # a clause in brackets ending in a role: （省生态环境厅牵头，各市负责落实）
    rf"|[（(〔【][^（）()〔〕【】\n]{{0,80}}?(?:{_ROLE_VERB}|落实|落實)[^（）()〔〕【】\n]{{0,8}}[）)〕】]"
    # an organisation followed by a role verb: 市生态环境局牵头, 由市住建局负责 (not 负责人, 负责同志)
    rf"|{_ORG_HEADS}(?:{_ROLE_VERB})(?!人|同志|的)"
)
#: Role words inside an agency's name; 各牵头单位, 配合部门 name bodies by their role and are not flagged.
_ROLE_IN_NAME = re.compile(r"(牵头|配合|负责|落实|参与|协助|协办)(?!单位|部门)")
#: A place standing for its government: 各市, 16市, 各县（市、区）, 各镇街 (towns and subdistricts).
_PLACE_HEAD = re.compile(r"(省|市|县|区|旗|州|盟|镇|乡|街道|镇街|村|社区)$")
_TRAILING_QUALIFIER = re.compile(r"(（[^（）]*）|\([^()]*\)|[”’\"'\s])+$")
_ZH_NUMERAL = re.compile(r"[一二三四五六七八九十百零〇两]+")
_CIRCLED = re.compile(r"[①-⑳]")


def assess_quality(plan: Plan, *, numbered: bool = True) -> Plan:
    """``plan`` with its quality flags and its measures' set (any flags it had are replaced).

    Args:
        numbered: False when the document had no usable numbering and its measures are paragraphs.
    """
    lengths = [len(m.text) for m in plan.measures]
    median = statistics.median(lengths) if lengths else 0
    measures = [m.model_copy(update={"quality_flags": measure_flags(m, median)}) for m in plan.measures]
    return plan.model_copy(update={"measures": measures, "quality_flags": plan_flags(plan, numbered=numbered)})


# --------------------------------------------------------------------------- plan flags


def plan_flags(plan: Plan, *, numbered: bool = True) -> list[QualityFlag]:
    flags: list[QualityFlag] = []
    if not numbered:
        flags.append(QualityFlag(code=FlagCode.no_numbering, count=len(plan.measures) or None,
                                 message=f"No numbering found: the {len(plan.measures)} measures are the "
                                         "document's paragraphs."))
    else:
        gaps, repeats = numbering_problems(plan)
        for code, found, what in ((FlagCode.numbering_gaps, gaps, "skips"),
                                  (FlagCode.numbering_repeats, repeats, "repeats or restarts")):
            if found:
                flags.append(QualityFlag(code=code, count=len(found), span=found[0].span,
                                         message=f"Numbering {what} {_times(len(found))}: "
                                                 + _listed(problem.words for problem in found) + "."))
    unresolved = [d for m in plan.measures for d in m.deadlines if _unresolved(d.date, d.kind)]
    if unresolved:
        flags.append(QualityFlag(
            code=FlagCode.unresolved_deadlines, count=len(unresolved), span=unresolved[0].span,
            message=f"{len(unresolved)} deadline{'s' if len(unresolved) > 1 else ''} in relative words with no "
                    f"plan year to date them: {_listed(d.text for d in unresolved)}."))
    if plan.measures and not any(m.agencies for m in plan.measures):
        flags.append(QualityFlag(code=FlagCode.no_agencies,
                                 message="No measure of the plan assigns an agency."))
    if plan.year is None:
        flags.append(QualityFlag(code=FlagCode.no_year,
                                 message="No year found for the plan: relative deadlines cannot be dated."))
    if plan.region is None:
        flags.append(QualityFlag(code=FlagCode.no_region,
                                 message="No region found for the plan: agencies' jurisdictions are unknown."))
    return flags


@dataclass(frozen=True)
class NumberingProblem:
    words: str
    """What is wrong, with the labels as written: '二、 → 四、'."""
    span: Span | None
    """The label of the heading where the numbering goes wrong."""


@dataclass(frozen=True)
class _Heading:
    span: Span
    parent: str
    path: str
    depth: int
    number: int
    label: str
    style: str


def numbering_problems(plan: Plan) -> tuple[list[NumberingProblem], list[NumberingProblem]]:
    """Gaps (二、 → 四、) and repeats or restarts (3. → 3., 5. → 1.) among the siblings of the plan's
    numbered tree (its sections and measures, by their paths), in document order.

    Siblings are headings of one style (一、, （一）, 1. …) under the same occurrence of the same parent. A
    first sibling may start at 1 or carry on the numbering of the previous headings of its style
    (1.–19. under （一）, 20. under （二）, 21. under 三、).
    """
    headings = sorted(_headings(plan), key=lambda h: (h.span.start, h.depth))
    seen: Counter[str] = Counter()
    groups: dict[tuple[str, int, str], list[_Heading]] = {}
    last_of_style: dict[str, tuple[tuple[str, int, str], _Heading]] = {}
    gaps: list[NumberingProblem] = []
    repeats: list[NumberingProblem] = []
    for heading in headings:
        key = (heading.parent, seen[heading.parent] if heading.parent else 0, heading.style)
        seen[heading.path] += 1
        group = groups.setdefault(key, [])
        before = group[-1] if group else None
        if before is not None:
            if heading.number <= before.number:
                repeats.append(_problem(before, heading))
            elif heading.number > before.number + 1:
                gaps.append(_problem(before, heading))
        elif heading.number != 1:
            previous = last_of_style.get(heading.style)
            carried_on = previous is not None and previous[0] != key and heading.number == previous[1].number + 1
            if not carried_on:
                gaps.append(_problem(previous[1] if previous and heading.number > previous[1].number else None,
                                     heading))
        group.append(heading)
        last_of_style[heading.style] = (key, heading)
    return gaps, repeats


def _headings(plan: Plan) -> Iterable[_Heading]:
    for item in [*plan.sections, *plan.measures]:
        parts = [part.split("~", 1)[0] for part in item.path.split(".")]
        if not item.number or not parts[-1].isdigit():
            continue
        label = item.number.strip()
        yield _Heading(span=_label_span(item.span, label), parent=".".join(parts[:-1]), path=".".join(parts),
                       depth=len(parts), number=int(parts[-1]), label=label, style=_style(label))


def _style(label: str) -> str:
    """The label with its number taken out and its punctuation folded: 一、 → Z、, （1） → （D）, 1． → D、."""
    folded = _fold_text(label)
    shape = _CIRCLED.sub("C", re.sub(r"\d+", "D", _ZH_NUMERAL.sub("Z", folded)))
    return shape.translate(str.maketrans({"(": "（", ")": "）", ".": "、", "．": "、", "，": "、", ",": "、"}))


def _label_span(span: Span, label: str) -> Span:
    """The heading's label as written at the start of its span (after indentation, if any)."""
    head = span.text[:len(label) + 4]
    folded = _fold_text(head)
    at = folded.find(_fold_text(label)) if len(folded) == len(head) else head.find(label)
    if at < 0:
        at, label = 0, head[:len(label)]
    return Span(start=span.start + at, end=span.start + at + len(label), text=span.text[at:at + len(label)])


def _problem(before: _Heading | None, heading: _Heading) -> NumberingProblem:
    where = f" under {heading.parent}" if heading.parent else " at the top level"
    if before is None:
        return NumberingProblem(f"starts at {heading.label}{where}", heading.span)
    return NumberingProblem(f"{before.label} → {heading.label}{where}", heading.span)


# --------------------------------------------------------------------------- measure flags


def measure_flags(measure: Measure, median_length: float = 0) -> list[QualityFlag]:
    """The flags of one measure; ``median_length``: the plan's median measure length (0: not known)."""
    flags: list[QualityFlag] = []
    if not measure.agencies:
        cues = role_cues(measure.text, measure.span.start)
        if cues:
            flags.append(QualityFlag(
                code=FlagCode.role_words_without_agencies, count=len(cues), span=cues[0],
                message=f"Role words in the text ({_listed(c.text for c in cues)}) but no agency found."))
    own = [a for a in measure.agencies if not a.blanket]
    with_role = [a for a in own if _ROLE_IN_NAME.search(_fold_text(a.name))]
    if with_role:
        flags.append(QualityFlag(
            code=FlagCode.agency_name_has_role_word, count=len(with_role), span=with_role[0].span,
            message=f"Agency name{'s' if len(with_role) > 1 else ''} with a role word in {_it(with_role)}: "
                    f"{_listed(a.name for a in with_role)}."))
    headless = [a for a in own if a not in with_role and not has_known_head(a.name)]
    if headless:
        flags.append(QualityFlag(
            code=FlagCode.agency_unknown_head, count=len(headless), span=headless[0].span,
            message=f"Agency name{'s' if len(headless) > 1 else ''} not ending in an organisation's head noun "
                    f"(局, 厅, 委, 办, 中心, 政府 …): {_listed(a.name for a in headless)}."))
    length = len(measure.text)
    if median_length and length > LONG_MEASURE_CHARS and length > LONG_FACTOR * median_length:
        flags.append(QualityFlag(
            code=FlagCode.long_measure,
            message=f"{length} characters, over {LONG_FACTOR}× the plan's median ({median_length:g}): "
                    "several measures may have run together."))
    unresolved = [d for d in measure.deadlines if _unresolved(d.date, d.kind)]
    if unresolved:
        flags.append(QualityFlag(
            code=FlagCode.unresolved_deadline, count=len(unresolved), span=unresolved[0].span,
            message=f"No date for {_listed(d.text for d in unresolved)}: the plan's year is unknown."))
    return flags


def role_cues(text: str, offset: int = 0) -> list[Span]:
    """Where ``text`` gives someone a role (a 牵头单位： label, a role clause in brackets, 某局负责);
    ``offset`` places the spans in the document."""
    folded = _fold_text(text)
    if len(folded) != len(text):
        folded = text
    return [Span(start=offset + m.start(), end=offset + m.end(), text=text[m.start():m.end()])
            for m in _ROLE_CUES.finditer(folded)]


def has_known_head(name: str) -> bool:
    """Whether an agency's name ends in an organisation's head noun (局, 委员会, 中心, 公司 …) or in a
    place standing for its government (各市, 16市, 各县（市、区））, qualifiers in brackets and quotes aside."""
    head = _TRAILING_QUALIFIER.sub("", _fold_text(name).strip())
    return bool(head) and bool(ORG_SUFFIX.search(head) or _PLACE_HEAD.search(head))


# --------------------------------------------------------------------------- summaries


def flag_counts(plan: Plan) -> list[tuple[str, int | None]]:
    """The plan's flags by code (count None), then each measure flag's code with the number of measures
    it is on."""
    on_measures = Counter(flag.code.value for m in plan.measures for flag in m.quality_flags)
    return ([(flag.code.value, None) for flag in plan.quality_flags]
            + [(code, on_measures[code]) for code in sorted(on_measures, key=_order)])


def flag_summary(plan: Plan) -> str:
    """'no flags', or e.g. '2 flags: numbering_gaps, role_words_without_agencies×1' (a measure flag with
    the number of measures it is on)."""
    counts = flag_counts(plan)
    if not counts:
        return "no flags"
    total = sum(1 if n is None else n for _, n in counts)
    listed = ", ".join(code if n is None else f"{code}×{n}" for code, n in counts)
    return f"{total} flag{'s' if total > 1 else ''}: {listed}"


def _order(code: str) -> int:
    return list(FlagCode).index(FlagCode(code))


# --------------------------------------------------------------------------- helpers


def _unresolved(date: object, kind: DeadlineKind) -> bool:
    return date is None and kind != DeadlineKind.ongoing


def _listed(items: Iterable[str]) -> str:
    found = list(items)
    shown = ", ".join(found[:_SHOWN])
    return shown + (f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else "")


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _it(items: list) -> str:
    return "them" if len(items) > 1 else "it"
