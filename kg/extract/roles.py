"""Who must act: agency clauses in a measure's text, each name with its role and its span.

Layouts handled: role clauses in parentheses or 〔…〕 after a sentence (（省生态环境厅负责）,
〔县生态环境分局牵头，县公安局参与，各乡镇人民政府负责落实〕); label lines (牵头单位：…, 责任单位：…,
配合单位：…, 责任领导：…); table cells under 牵头单位 / 配合单位 columns; a sentence that opens with an
agency and 负责 (局大气办负责每月…); and blanket clauses (以下工作均需各市负责) that bind later measures.

>>> [(a.name, a.role.value) for a in find_assignments("（省发展改革委、省能源局分工负责，16市负责落实）").assignments]
[('省发展改革委', 'responsible'), ('省能源局', 'responsible'), ('16市', 'implementing')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from kg.extract.names import (
    NAME_SPLIT,
    QUALIFIER,
    QUALIFIER_ROLES,
    Name,
    is_agency,
    names_at,
    split_outside_brackets,
)
from kg.models import Role, Span

_PAREN = re.compile(r"（((?:[^（）]|（[^（）]*）)*)）|\(((?:[^()]|\([^()]*\))*)\)|〔([^〔〕]*)〕|【([^【】]*)】")
_CLAUSE_SPLIT = re.compile(r"[，,；;。]")
_ROLE_SUFFIXES: list[tuple[re.Pattern[str], Role]] = [
    (re.compile(r"(负责落实|抓好落实|具体落实|组织落实|组织实施|落实)[\u4e00-\u9fff]{0,3}$"), Role.implementing),
    (re.compile(r"(牵头负责|牵头)[\u4e00-\u9fff]{0,4}$"), Role.lead),
    (re.compile(r"(按职责分工.{0,10}|分工负责|共同负责|负责[\u4e00-\u9fff]{0,6})$"), Role.responsible),
    (re.compile(r"(配合|参与|协助|协办)[\u4e00-\u9fff]{0,4}$"), Role.support),
]
_BLANKET = re.compile(r"^以下(工作|任务)?(均需|均由|由)(?P<names>.+?)(负责落实|抓好落实|负责|落实)")
_BLANKET_SENTENCE = re.compile(r"以下(?:工作|任务|各项任务)?(?:均需|均由|由|均请)(?P<names>[^，。；\n]+?)"
                               r"(?:负责落实|抓好落实|负责|落实)")
# 列第一位者为牵头单位，其他为配合单位: the first name of a list without role words leads.
_FIRST_LEADS = re.compile(r"(?:列|排)(?:在)?(?:第一位|首位)(?:者|的)?(?:单位|部门)?(?:为|是)牵头(?:单位|部门)"
                          r"(?:[，,；;](?:其他|其余)(?:单位|部门)?(?:为|是)(?P<others>配合|责任|参与|协办)(?:单位|部门))?")
_OTHERS_ROLE = {"配合": Role.support, "参与": Role.support, "协办": Role.support, "责任": Role.responsible}
_HEADING_TASKS = re.compile(r"^(?P<names>[^，。；、\n]{2,30}?)(?P<role>牵头|负责|配合)?的?(?:主要|重点)?(?:工作)?任务"
                            r"(?:清单|分工)?$")
_HEADING_ROLES = {"牵头": Role.lead, "负责": Role.responsible, "配合": Role.support, None: Role.responsible}
_LABEL_ROLES = {
    "牵头单位": Role.lead, "牵头部门": Role.lead, "主办单位": Role.lead,
    "主责单位": Role.responsible, "主责部门": Role.responsible, "责任单位": Role.responsible, "责任部门": Role.responsible, "责任主体": Role.responsible,
    "配合单位": Role.support, "配合部门": Role.support, "参与单位": Role.support, "协办单位": Role.support,
    "协助单位": Role.support, "协助部门": Role.support, "协办部门": Role.support,
    "落实单位": Role.implementing, "实施主体": Role.implementing,
}
_LABELS = "|".join(["责任领导", *_LABEL_ROLES])
_LABEL_LINE = re.compile(rf"^[\s　]*(?P<label>{_LABELS})[：:][\s　]*(?P<value>.*?)[\s　]*$", re.M)
_LABEL_IN_LINE = re.compile(rf"(?P<label>{_LABELS})[：:][\s　]*")
_LABEL_CLAUSE = re.compile(rf"^(?P<label>{'|'.join(_LABEL_ROLES)})[：:][\s　]*")
_SUBJECT = re.compile(r"(?:^|(?<=[。；\n，]))[\s　]*(?:由)?(?P<names>[^，。；\n]{2,40}?)(?:抓好|具体|分别|共同|)(?:负责|牵头)(?!同志|人|的)")
_BRACKETS = re.compile(r"[（(〔\[【]")
_TIME_WORDS = re.compile(r"\d{4}年|\d月|底前|长期坚持|期间|每年|持续推进")
_ROLE_WORD = re.compile(r"牵头|配合|负责|落实|参与|协助|协办|[，。；：]")


@dataclass(frozen=True)
class ListConvention:
    """How a plan reads a list with no role words (``责任单位：A、B、C``): by its label, or, when the plan says
    so (列第一位者为牵头单位，其他为配合单位), the first name leads and the others take ``others``."""

    first_leads: bool = False
    others: Role | None = None


def list_convention(document: str) -> ListConvention:
    """The convention a plan states for its lists, if any.

    >>> list_convention("责任单位中，列第一位者为牵头单位，其他为配合单位。")
    ListConvention(first_leads=True, others=<Role.support: 'support'>)
    """
    found = _FIRST_LEADS.search(document)
    if found is None:
        return ListConvention()
    return ListConvention(True, _OTHERS_ROLE.get(found.group("others") or ""))


@dataclass(frozen=True)
class RawAssignment:
    name: str
    role: Role
    span: Span


@dataclass
class AssignmentsFound:
    assignments: list[RawAssignment] = field(default_factory=list)
    blanket: list[RawAssignment] = field(default_factory=list)
    leaders: list[tuple[str, Span]] = field(default_factory=list)
    label_block: Span | None = None
    """The 牵头单位：/责任单位： lines, when the measure has them."""
    name_spans: list[Span] = field(default_factory=list)
    """Where every agency name stands, repeats included."""


def find_assignments(text: str, offset: int = 0, known_people: frozenset[str] = frozenset(),
                     convention: ListConvention = ListConvention()) -> AssignmentsFound:
    """Every agency assignment written in ``text``; ``offset`` places spans in the document.

    ``known_people`` (from :func:`people_named`) splits run-together leader names: 薛扬马芳林.
    """
    found = AssignmentsFound()
    _from_parentheses(text, offset, found)
    _from_label_lines(text, offset, found, known_people, convention)
    _from_subjects(text, offset, found)
    found.name_spans = [a.span for a in found.assignments + found.blanket]
    found.assignments = _unique(found.assignments)
    return found


def assignments_from_cells(cells: dict[str, list[Span]], document: str,
                           convention: ListConvention = ListConvention()) -> list[RawAssignment]:
    """Assignments from table cells keyed by column header (牵头单位, 配合单位 …); a cell wrapped onto
    continuation lines is given as its pieces, read as one text."""
    result = []
    for header, pieces in cells.items():
        role = next((r for label, r in _LABEL_ROLES.items() if label in header), None)
        if role is None or not pieces:
            continue
        joined = "".join(piece.text for piece in pieces)
        result.extend(_placed_in_pieces(_phrases(joined, role, convention), pieces, document))
    return result


def heading_assignments(title: Span) -> list[RawAssignment]:
    """Agencies a section heading gives the items below it: （三）省交通运输厅牵头的任务, （八）县经济局主要工作任务."""
    found = _HEADING_TASKS.match(title.text)
    if found is None:
        return []
    names = names_at(found.group("names"), 0, _HEADING_ROLES[found.group("role")])
    if not names or not all(is_agency(name.name) for name in names):
        return []
    return _placed(names, title.start)


def blanket_statements(text: str) -> list[tuple[int, list[RawAssignment]]]:
    """以下任务均需各县（区）人民政府负责落实，不再列出: where each such statement stands, and whom it names.

    The names are ``implementing`` for every measure that starts after the statement.
    """
    statements = []
    for found in _BLANKET_SENTENCE.finditer(text):
        names = names_at(found.group("names"), 0, Role.implementing)
        if names and all(is_agency(name.name) for name in names):
            statements.append((found.start(), _placed(names, found.start("names"))))
    return statements


def _placed_in_pieces(names: tuple[Name, ...], pieces: list[Span], document: str) -> list[RawAssignment]:
    """Place names read from the pieces joined; a name across two pieces spans both (and what lies between)."""
    bounds, position = [], 0
    for piece in pieces:
        bounds.append((position, piece))
        position += len(piece.text)

    def at(index: int) -> int:
        start, piece = next(b for b in reversed(bounds) if b[0] <= index)
        return piece.start + index - start

    placed = []
    for name, written, start, role in names:
        begin, end = at(start), at(start + len(written) - 1) + 1
        placed.append(RawAssignment(name, role, Span(start=begin, end=end, text=document[begin:end])))
    return placed


def _from_parentheses(text: str, offset: int, found: AssignmentsFound) -> None:
    for paren in _PAREN.finditer(text):
        group = next(g for g in (1, 2, 3, 4) if paren.group(g) is not None)
        clauses = _role_clauses(paren.group(group), offset + paren.start(group))
        for _, clause_start, blanket, assignments in clauses:
            if blanket:
                names_start = clause_start + blanket.start("names")
                found.blanket.extend(_names_with_spans(blanket.group("names"), names_start, Role.implementing))
                continue
            found.assignments.extend(assignments)


_Clause = tuple[str, int, re.Match[str] | None, list[RawAssignment]]
"""A clause, where it starts, its blanket match, its assignments."""


def _role_clauses(inner: str, inner_start: int) -> list[_Clause]:
    """The clauses of a parenthesis, if it is an agency clause: some clause names agencies and a role."""
    clauses = []
    for piece, piece_start in _split_clauses(inner):
        stripped = piece.strip()
        if not stripped:
            continue
        clause_start = inner_start + piece_start + piece.index(stripped)
        blanket = _BLANKET.match(stripped)
        clauses.append((stripped, clause_start, blanket, []))
    plain = [(text, start) for text, start, blanket, _ in clauses if not blanket]
    found = _phrases_of_clauses(tuple(text for text, _ in plain), None, ListConvention())
    if not found and not any(blanket for _, _, blanket, _ in clauses):
        return []
    by_clause = {start: _placed(names, start) for (_, start), names in zip(plain, found)}
    return [(text, start, blanket, by_clause.get(start, [])) for text, start, blanket, _ in clauses]


def _split_clauses(text: str) -> list[tuple[str, int]]:
    """Split at ，；。 outside parentheses: 'A（牵头，B），C配合' has two clauses."""
    return split_outside_brackets(text, _CLAUSE_SPLIT)


def _phrases(value: str, default: Role | None, convention: ListConvention) -> tuple[Name, ...]:
    """The one role grammar: 'A牵头，B、C配合，D负责落实', 'A（牵头）、B', '牵头单位：A；配合单位：B' or a bare
    'A、B' (which takes ``default``, or the plan's list convention), as names with roles and offsets."""
    pieces = [(piece, start) for piece, start in _split_clauses(value) if piece.strip()]
    per_clause = _phrases_of_clauses(tuple(piece for piece, _ in pieces), default, convention)
    return tuple(Name(n.name, n.written, n.start + start, n.role)
                 for (_, start), names in zip(pieces, per_clause) for n in names)


@lru_cache(maxsize=4096)
def _phrases_of_clauses(clauses: tuple[str, ...], default: Role | None,
                        convention: ListConvention) -> list[tuple[Name, ...]]:
    """Names per clause, or nothing at all when no clause says a role and there is no ``default``.

    A clause without role words takes ``default``; with none, it is responsible when another clause of
    the same text says a role (（A、B，C配合）: A and B are the ones responsible).
    """
    read = [_clause_names(clause) for clause in clauses]
    if default is None and not any(role for _, role, _ in read):
        return []
    bare_role = default or Role.responsible
    result = []
    for (names_text, role, names_start), clause in zip(read, clauses):
        names = names_at(names_text, names_start, role or bare_role)
        if default is None and not all(is_agency(name.name) for name in names):
            names = ()  # in running text's parentheses, only a clause of agencies is an agency clause
        result.append(tuple(name for name in names if _is_name(name.name)))
    if convention.first_leads and not any(role for _, role, _ in read) and default in (None, Role.responsible):
        result = _first_leads(result, convention)
    return result


def _first_leads(per_clause: list[tuple[Name, ...]], convention: ListConvention) -> list[tuple[Name, ...]]:
    others = convention.others or Role.responsible
    flat = [(index, name) for index, names in enumerate(per_clause) for name in names]
    result: list[list[Name]] = [[] for _ in per_clause]
    for position, (index, name) in enumerate(flat):
        result[index].append(name._replace(role=Role.lead if position == 0 else others))
    return [tuple(names) for names in result]


def _clause_names(clause: str) -> tuple[str, Role | None, int]:
    """A clause's names, the role its words give them (None for a bare list), and where the names start."""
    labelled = _LABEL_CLAUSE.match(clause)
    if labelled:  # 牵头单位：市生态环境局
        rest = clause[labelled.end():]
        inner, role, start = _clause_names(rest)
        return inner, role or _LABEL_ROLES[labelled.group("label")], labelled.end() + start
    qualifier = QUALIFIER.search(clause)
    inner = (qualifier.group("inner") or qualifier.group("inner2") or "") if qualifier else ""
    if qualifier and inner not in QUALIFIER_ROLES:  # 市A、市B（按职责分工负责）: the role of the whole list
        role = next((role for pattern, role in _ROLE_SUFFIXES if pattern.fullmatch(inner)), None)
        if role is not None:
            return clause[: qualifier.start()], role, 0
    for pattern, role in _ROLE_SUFFIXES:
        match = pattern.search(clause)
        if match is not None:
            return clause[: match.start()], role, 0
    return clause, None, 0


def _is_name(name: str) -> bool:
    """Something a label or a column may name: not empty, not a sentence, no role word left inside."""
    return 2 <= len(name) <= 40 and not _ROLE_WORD.search(name) and not _TIME_WORDS.search(name)


def people_named(document: str) -> frozenset[str]:
    """Every single name after 责任领导： in the whole document."""
    return frozenset(name.strip() for line in _LABEL_LINE.finditer(document) if line.group("label") == "责任领导"
                     for name in NAME_SPLIT.split(line.group("value")) if 2 <= len(name.strip()) <= 3)


def _from_label_lines(text: str, offset: int, found: AssignmentsFound, known_people: frozenset[str],
                      convention: ListConvention) -> None:
    block_start = block_end = None
    for line in _LABEL_LINE.finditer(text):
        block_start = line.start() if block_start is None else block_start
        block_end = line.end()
        for label, value, value_start in _labelled_values(text, line.start("label"), line.end()):
            if label == "责任领导":
                found.leaders.extend(_leader_names(value, offset + value_start, known_people))
            else:
                found.assignments.extend(_placed(_phrases(value, _LABEL_ROLES[label], convention), offset + value_start))
    if block_start is not None:
        found.label_block = Span(start=offset + block_start, end=offset + block_end,
                                 text=text[block_start:block_end])


def _labelled_values(text: str, start: int, end: int) -> list[tuple[str, str, int]]:
    """'牵头单位：市生态环境局　配合单位：市公安局' → one (label, value, value start) per label on the line."""
    labels = list(_LABEL_IN_LINE.finditer(text, start, end))
    values = []
    for index, label in enumerate(labels):
        value_end = labels[index + 1].start() if index + 1 < len(labels) else end
        value = text[label.end():value_end].rstrip(" 　\t；;，,。")
        values.append((label.group("label"), value, label.end()))
    return values


def _from_subjects(text: str, offset: int, found: AssignmentsFound) -> None:
    """A sentence that opens with agencies and 负责/牵头: 局大气办负责每月1日向…报送."""
    bracketed = [m.span() for m in _PAREN.finditer(text)]
    for match in _SUBJECT.finditer(text):
        names = match.group("names")
        if any(s <= match.start("names") < e for s, e in bracketed) or _BRACKETS.search(names) or "：" in names \
                or ":" in names or names.startswith("以下"):
            continue
        role = Role.lead if text[match.end() - 2:match.end()] == "牵头" else (
            Role.implementing if text.startswith(("落实", "抓好落实"), match.end()) else Role.responsible)
        candidates = _names_with_spans(names, offset + match.start("names"), role)
        if candidates and all(is_agency(c.name) and not _is_pronoun(c.name) for c in candidates):
            found.assignments.extend(candidates)


def _is_pronoun(name: str) -> bool:
    return name in {"单位", "部门", "政府"} or name.endswith(("主要", "分管"))


def _names_with_spans(names: str, start: int, role: Role) -> list[RawAssignment]:
    """Split a list of names (、 ， 和) into assignments, giving shared suffixes to the bare names.

    A role in parentheses after a name overrides ``role``: 市交通运输局（牵头）.
    """
    return _placed(names_at(names, 0, role), start)


def _placed(names: tuple[Name, ...], offset: int) -> list[RawAssignment]:
    return [RawAssignment(name, role, Span(start=offset + start, end=offset + start + len(written), text=written))
            for name, written, start, role in names]


def _leader_names(value: str, start: int, known: frozenset[str]) -> list[tuple[str, Span]]:
    """People after 责任领导：, splitting run-together names (薛扬马芳林) by names seen elsewhere."""
    leaders, position = [], 0
    for piece in NAME_SPLIT.split(value):
        piece_start = start + position
        position += len(piece) + 1
        for name, name_offset in _split_known(piece.strip(), known):
            leaders.append((name, Span(start=piece_start + name_offset, end=piece_start + name_offset + len(name),
                                       text=name)))
    return leaders


def _split_known(piece: str, known: frozenset[str]) -> list[tuple[str, int]]:
    if len(piece) <= 3 or not piece:
        return [(piece, 0)] if piece else []
    for name in sorted(known, key=len, reverse=True):
        if piece.startswith(name) and 2 <= len(piece) - len(name) <= 3:
            return [(name, 0), (piece[len(name):], len(name))]
        if piece.endswith(name) and 2 <= len(piece) - len(name) <= 3:
            return [(piece[: -len(name)], 0), (name, len(piece) - len(name))]
    return [(piece, 0)]


def _unique(assignments: list[RawAssignment]) -> list[RawAssignment]:
    seen, result = set(), []
    for assignment in assignments:
        key = (assignment.name, assignment.role)
        if key not in seen:
            seen.add(key)
            result.append(assignment)
    return result
