"""Segmenting a plan's text: its title, its preamble, and the tree of numbered sections whose leaves are measures.

The finest numbered unit of a section that asks someone to act is a measure; sections titled as
general requirements, guiding ideas or targets (总体要求, 主要目标 …) are plan-level, with all they hold.
Unnumbered paragraphs belong to the numbered unit before them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.extract.targets import find_targets
from kg.models import Span
from kg.extract.numbering import STYLE_RANK, HeadingMatch, match_heading

# Plan-level sections say what the plan is for, not what anyone must do: their titles name a goal, a
# requirement, a principle or a scope, and no action. A title is read as a whole, so 目标任务 and 主要目标
# are plan-level, 强化目标管理 (an action on targets) and 保障措施 are not.
_GOAL_WORD = re.compile(r"(目标|要求|思路|原则|指导思想|总则|依据|适用范围|范围|背景|形势|现状|意义|定位|指标|重点区域|总体安排)")
_ACTION_WORD = re.compile(
    r"(推进|推动|加强|加快|开展|实施|强化|深化|深入|治理|整治|改造|建设|提升|管控|淘汰|落实|保障|监管|考核|督查|"
    r"调整|优化|防治|攻坚|整改|执法|管理|措施|行动|工程)"
)
_PLAN_LEVEL_MAX = 14
_GOAL_OPENING = re.compile(r"(总体|主要|工作|发展|规划|基本|指导)?(要求|思路|目标任务|目标|原则|思想|总则|依据|适用范围|背景|形势|指标)")


def is_plan_level_title(title: str) -> bool:
    """Whether a section titled ``title`` is about the plan itself (its goals, requirements, scope).

    >>> [is_plan_level_title(t) for t in ("总体要求", "工作目标", "目标任务", "基本原则", "保障措施", "强化目标考核")]
    [True, True, True, True, False, False]
    >>> is_plan_level_title("总体要求以习近平新时代中国特色社会主义思想为指导"), is_plan_level_title("目标考核")
    (True, False)
    """
    words = re.split(r"[\s　，。；：:]", title.strip(), maxsplit=1)[0]
    if len(words) > _PLAN_LEVEL_MAX:  # a heading run into its text (一、总体要求以习近平…): its opening words
        return bool(_GOAL_OPENING.match(words))
    if not words or not _GOAL_WORD.search(words):
        return False
    return not _ACTION_WORD.search(words) or bool(_GOAL_OPENING.fullmatch(words))


_TERMINATOR = re.compile(
    r"^[\s　]*(抄送[：:]|主送[：:]|附件[\s　]*\d*[\s　]*[:：]?[\s　]*$|本(方案|计划|意见|办法|规定|细则|通知)自.{0,12}(施行|实施)|"
    r"点击打开|（此件公开发布）|\(此件公开发布\))"
)
_PREAMBLE = re.compile(r"^[\s　]*(\[bookmark:[^\]]*\])?(为了?|根据|按照|依据|为深入|为进一步)")
_MARKUP = re.compile(r"\[bookmark:[^\]]*\]")
_TITLE_NOISE = re.compile(
    r"(〔\d{4}〕|^\d{4}年\d{1,2}月\d{1,2}日$|此件公开发布|印发给你们|：$|:$|^#|^各.{0,30}[：:]$|中国政府网|^\d{4}-\d{2}-\d{2}$|^[（(][^）)\d]*[）)]$)"
)
_PLAN_WORD = re.compile(r"(方案|计划|规划|意见|措施|细则|办法|要点|通知)([（(][^）)]*[）)])?$")
_TABLE_HEADER = re.compile(r"^\s*序号\t")
_TITLE_MAX = 60


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str


@dataclass
class Node:
    """A numbered heading and what it holds."""

    heading: HeadingMatch
    rank: int
    start: int
    title: Span
    path: str = ""
    end: int = 0
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    plan_level: bool = False


@dataclass
class Outline:
    """What segmenting finds in a document."""

    title: Span | None
    plan_level_spans: list[Span]
    nodes: list[Node]
    body_end: int
    table_columns: list[str] | None = None
    numbered: bool = True
    """False when the measures are paragraphs: the text had no usable numbering."""

    def measures(self) -> list[Node]:
        return [node for node in self.nodes if not node.children and not node.plan_level]


_TASK_CUE = re.compile(r"(牵头|负责|配合|责任单位|\d{4}年\d{0,2}月?(?:底|末)?前|[年月]底前|到\d{4}年|长期坚持|每年\d)")
_PARAGRAPH_MIN = 15


def paragraph_outline(text: str, outline: Outline) -> Outline:
    """For a text with no usable numbering: each paragraph of the body that asks someone to act (it names a
    role or a deadline) becomes a measure, numbered p1, p2 … in order. Nothing else is invented."""
    body_start = outline.title.end if outline.title else 0
    nodes: list[Node] = []
    for line in split_lines(text):
        if line.start < body_start:
            continue
        if _TERMINATOR.match(line.text):
            break
        words = line.text.strip(" \u3000\t")
        if len(words) < _PARAGRAPH_MIN or not _TASK_CUE.search(words):
            continue
        start = line.start + line.text.index(words)
        number = len(nodes) + 1
        heading = HeadingMatch(style="paragraph", number=number, label="", rest_offset=0)
        title_length = min(len(words.split("。", 1)[0]), _TITLE_MAX)
        node = Node(heading, STYLE_RANK["paragraph"], start,
                    Span(start=start, end=start + title_length, text=text[start:start + title_length]),
                    path=f"p{number}", end=start + len(words))
        nodes.append(node)
    return Outline(outline.title, outline.plan_level_spans, nodes, outline.body_end, None, numbered=False)


def split_lines(text: str) -> list[Line]:
    """Lines with their offsets; the newline (and a CR before it) is not part of a line."""
    lines, start = [], 0
    for raw in text.split("\n"):
        end = start + len(raw)
        content_end = end - 1 if raw.endswith("\r") else end
        lines.append(Line(start, content_end, text[start:content_end]))
        start = end + 1
    return lines


def segment(text: str) -> Outline:
    """Find the title, the plan-level text and the numbered tree of ``text``."""
    lines = split_lines(text)
    first_heading = _first_heading_index(lines)
    title, preamble_start = _find_title(text, lines, first_heading)
    nodes, body_end, table_columns = _build_tree(text, lines, first_heading)
    plan_level_spans = _plan_level_spans(text, nodes, preamble_start, first_heading, lines)
    return Outline(title, plan_level_spans, nodes, body_end, table_columns)


def _first_heading_index(lines: list[Line]) -> int:
    """Index of the first line of the plan body: the first heading line after a title-like line."""
    for index, line in enumerate(lines):
        if _MARKUP.sub("", line.text).startswith("#"):
            continue
        if match_heading(line.text) is not None:
            return index
    return len(lines)


def _find_title(text: str, lines: list[Line], first_heading: int) -> tuple[Span | None, int]:
    """The run of short lines just before the preamble (为…) or, lacking one, before the first heading."""
    anchor = next(
        (i for i in range(first_heading - 1, -1, -1) if _PREAMBLE.match(lines[i].text)),
        first_heading,
    )
    index = anchor - 1
    while index >= 0 and not lines[index].text.strip():
        index -= 1
    picked: list[Line] = []
    while index >= 0 and _is_title_line(lines[index].text):
        picked.insert(0, lines[index])
        index -= 1
    if not picked:
        picked = _plan_named_run(lines, first_heading)
    if not picked:
        return None, anchor
    start = picked[0].start + _leading_noise(picked[0].text)
    end = picked[-1].start + len(picked[-1].text.rstrip())
    return Span(start=start, end=end, text=text[start:end]), anchor


def _plan_named_run(lines: list[Line], anchor: int) -> list[Line]:
    """Fallback: the nearest run of title-like lines before ``anchor`` that ends in a plan word (…方案)."""
    for index in range(anchor - 1, -1, -1):
        clean = _MARKUP.sub("", lines[index].text).strip()
        if _is_title_line(lines[index].text) and _PLAN_WORD.search(clean):
            run = [lines[index]]
            while index > 0 and _is_title_line(lines[index - 1].text):
                index -= 1
                run.insert(0, lines[index])
            return run
    return []


def _is_title_line(line: str) -> bool:
    clean = _MARKUP.sub("", line).strip()
    if not clean or len(clean) > _TITLE_MAX or _TITLE_NOISE.search(clean):
        return False
    return not clean.endswith(("。", "，", "；"))


def _leading_noise(line: str) -> int:
    """Length of the indentation and [bookmark: …] markers before a title's first character."""
    found = re.match(r"^([\s　]|\[bookmark:[^\]]*\])*", line)
    return found.end() if found else 0


def _build_tree(text: str, lines: list[Line], first: int) -> tuple[list[Node], int, list[str] | None]:
    nodes: list[Node] = []
    stack: list[Node] = []
    body_end = len(text)
    table_columns: list[str] | None = None
    for line in lines[first:]:
        if _TERMINATOR.match(line.text):
            body_end = line.start
            break
        if _TABLE_HEADER.match(line.text):
            table_columns = [cell.strip() for cell in line.text.split("\t")]
            continue
        heading = match_heading(line.text)
        if heading is None or (heading.style == "table_row" and table_columns is None):
            continue
        rank = STYLE_RANK[heading.style]
        while stack and stack[-1].rank >= rank:
            stack.pop()
        node = Node(heading, rank, line.start + len(line.text) - len(line.text.lstrip(" \u3000\t")),
                    _heading_title(text, line, heading), parent=stack[-1] if stack else None)
        if node.parent is not None:
            node.parent.children.append(node)
        node.path = f"{node.parent.path}.{heading.number}" if node.parent else str(heading.number)
        node.plan_level = is_plan_level_title(node.title.text) or bool(node.parent and node.parent.plan_level)
        nodes.append(node)
        stack.append(node)
    _set_ends(text, nodes, body_end)
    for node in nodes:
        if node.parent is None and not node.plan_level and states_only_targets(text[node.start:node.end], node.title.text):
            _mark_plan_level(node)
    return nodes, body_end, table_columns


_SENTENCE = re.compile(r"[^。；;\n]+")
_ROLE_CUE = re.compile(r"牵头|负责|配合|责任单位|参与")


def states_only_targets(section: str, title: str) -> bool:
    """A section whose every sentence sets a quantified target and that gives nobody a task is about the
    plan's goals, whatever its title says (一、2025年目标 / 三、预期成效).

    >>> states_only_targets("到2025年，全市PM2.5平均浓度控制在33微克/立方米以内，优良天数比率达到90%以上。", "预期成效")
    True
    >>> states_only_targets("2025年底前完成改造，PM2.5浓度下降5%。（市生态环境局负责）", "推进治理")
    False
    """
    if _ACTION_WORD.search(title) or _ROLE_CUE.search(section):
        return False
    sentences = [sentence for sentence in _SENTENCE.findall(section) if len(sentence.strip()) > 12]
    return bool(sentences) and all(find_targets(sentence) for sentence in sentences)


def _mark_plan_level(node: Node) -> None:
    node.plan_level = True
    for child in node.children:
        _mark_plan_level(child)


def _heading_title(text: str, line: Line, heading: HeadingMatch) -> Span:
    rest_start = line.start + heading.rest_offset
    rest = text[rest_start:line.end]
    if heading.style == "table_row":
        rest = rest.split("\t", 1)[0]
    stop = rest.find("。")
    if 0 < stop <= _TITLE_MAX:
        length = stop
    elif len(rest.rstrip()) <= _TITLE_MAX:
        length = len(rest.rstrip().rstrip("。"))
    else:
        comma = rest.find("，")
        length = comma if 0 < comma <= _TITLE_MAX else 40
    return Span(start=rest_start, end=rest_start + length, text=text[rest_start:rest_start + length])


def _set_ends(text: str, nodes: list[Node], body_end: int) -> None:
    """Each node ends where the next node at its level or above starts; leaves before the next heading."""
    for index, node in enumerate(nodes):
        end = body_end
        for later in nodes[index + 1:]:
            if later.rank <= node.rank or not node.children:
                end = later.start
                break
        node.end = len(text[:end].rstrip())


def node_span(text: str, node: Node) -> Span:
    return Span(start=node.start, end=node.end, text=text[node.start:node.end])


def _plan_level_spans(text: str, nodes: list[Node], preamble_start: int, first_heading: int,
                      lines: list[Line]) -> list[Span]:
    """The preamble and every plan-level section: where plan targets are looked for."""
    spans: list[Span] = []
    if preamble_start < len(lines):
        start = lines[preamble_start].start
        end = lines[first_heading].start if first_heading < len(lines) else len(text)
        end = len(text[:end].rstrip())
        if end > start:
            spans.append(Span(start=start, end=end, text=text[start:end]))
    for node in nodes:
        if node.plan_level and not (node.parent and node.parent.plan_level):
            spans.append(node_span(text, node))
    return spans
