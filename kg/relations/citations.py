"""Citations read from a plan's text: every 《…》 title, with the 文号 written right after it
(``《山东省…方案》（鲁政发〔2018〕17号）``), in the preamble and in the measures; resolved to a plan of the
store by its 文号, else by its normalised title, else kept unresolved with its words.

The plan's own title is no citation (``关于印发《X》的通知``, ``现将《X》印发给你们``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kg.relations.features import MeasureInfo, PlanInfo

_TITLE = re.compile(r"《([^《》\n]{2,120})》")
_NUMBER_AFTER = re.compile(r"\s*[（(]\s*([^（）()\n]{1,30}?〔\s*\d{4}\s*〕\s*\d+\s*号)\s*[）)]")
_QUOTES = re.compile(r"[\s“”\"'‘’「」『』<>〈〉]")
_DASHES = re.compile(r"[—–―－~～-]+")


def normalise_title(title: str) -> str:
    """A title compared for identity: NFKC, no spaces or quotes, one kind of dash and bracket, no 的通知."""
    text = unicodedata.normalize("NFKC", title)
    text = _QUOTES.sub("", text)
    text = _DASHES.sub("-", text).replace("[", "〔").replace("]", "〕")
    text = re.sub(r"^关于印发", "", text)
    return re.sub(r"的通知$", "", text)


def normalise_number(number: str) -> str:
    text = unicodedata.normalize("NFKC", number)
    return re.sub(r"\s+", "", text).replace("[", "〔").replace("]", "〕").replace("(", "〔").replace(")", "〕")


@dataclass(frozen=True)
class Citation:
    title: str
    number: str | None
    start: int
    end: int
    text: str
    """The words as written, 《…》 and the 文号 in its brackets when there is one."""
    measure: MeasureInfo | None
    cited: PlanInfo | None
    resolved_by: str | None
    """``identifier`` (文号) or ``title``; None when no plan of the store is the one cited."""


class PlanIndex:
    """Plans by normalised 文号 and title."""

    def __init__(self, plans: Iterable[PlanInfo]) -> None:
        self.by_number: dict[str, list[PlanInfo]] = {}
        self.by_title: dict[str, list[PlanInfo]] = {}
        for plan in plans:
            if plan.doc_number:
                self.by_number.setdefault(normalise_number(plan.doc_number), []).append(plan)
            self.by_title.setdefault(normalise_title(plan.title), []).append(plan)

    def resolve(self, title: str, number: str | None, citing: PlanInfo) -> tuple[PlanInfo | None, str | None]:
        for key, table, how in ((number and normalise_number(number), self.by_number, "identifier"),
                                (normalise_title(title), self.by_title, "title")):
            found = [p for p in table.get(key, []) if p.id != citing.id] if key else []
            if len(found) == 1:
                return found[0], how
        return None, None


def find_citations(plan: PlanInfo, text: str, measures: Sequence[MeasureInfo], index: PlanIndex) -> list[Citation]:
    """The citations of ``plan`` in its document ``text``, in order; each placed in the measure that holds it."""
    own = normalise_title(plan.title)
    out = []
    for match in _TITLE.finditer(text):
        title = match.group(1).strip()
        if normalise_title(title) == own:
            continue
        after = _NUMBER_AFTER.match(text, match.end())
        number = after.group(1).strip() if after else None
        end = after.end() if after else match.end()
        measure = next((m for m in measures if m.start is not None and m.end is not None
                        and m.start <= match.start() < m.end), None)
        cited, how = index.resolve(title, number, plan)
        out.append(Citation(title, number, match.start(), end, text[match.start():end], measure, cited, how))
    return out
