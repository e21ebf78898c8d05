"""Plan metadata from the text around the body: document number, issue date, issuer, year, period, region, level."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from kg.models import Level, RegionRef, Span
from kg.regions import CHINA, gazetteer
from kg.extract.segmenting import Line, Outline, split_lines

_DOC_NUMBER = re.compile(r"^[\s　]*([\u4e00-\u9fff]{1,12}〔\d{4}〕\d{1,4}号)[\s　]*$")
_DATE_LINE = re.compile(r"^[\s　]*(\d{4})年(\d{1,2})月(\d{1,2})日[\s　]*$")
_ISSUER = re.compile(r"(人民政府(办公室|办公厅)?|国务院(办公厅)?|委员会|办公室|办公厅|[局厅部委]|总局|总署|指挥部|领导小组)$")
_PERIOD = re.compile(r"(\d{4})\s*[—–\-－~至到]\s*(\d{4})\s*年")
_YEAR = re.compile(r"(?<!\d)(\d{4})年")
_CITED = re.compile(r"《[^《》]*》|[（(][^（）()]*〔\d{4}〕[^（）()]*[）)]")
_DATED_DEADLINE = re.compile(r"(?<![\d〔])(20\d\d)年\d{1,2}月(?:\d{1,2}日)?(?:底|中旬|上旬|下旬)?(?:前|起)")
_NATIONAL = re.compile(r"^(国务院|国家|全国|中共中央)|^[\u4e00-\u9fff]{2,10}(部|总局|总署)$")


@dataclass(frozen=True)
class PlanHeader:
    title: str
    title_span: Span | None
    doc_number: str | None
    issued: dt.date | None
    issuer: str | None
    year: int | None
    period_start: int | None
    period_end: int | None
    region: RegionRef | None
    level: Level | None


def read_header(text: str, outline: Outline, fallback_title: str) -> PlanHeader:
    """Everything a plan says about itself outside its measures."""
    lines = split_lines(text)
    title_span = outline.title
    title = clean_title(title_span.text) if title_span else fallback_title
    issued, issuer = _issue_date_and_issuer(lines)
    period = _PERIOD.search(title)
    region = _plan_region(text, title, issuer, outline)
    return PlanHeader(
        title=title,
        title_span=title_span,
        doc_number=_doc_number(lines),
        issued=issued,
        issuer=issuer,
        year=_plan_year(title, issued, period, text),
        period_start=int(period.group(1)) if period else None,
        period_end=int(period.group(2)) if period else None,
        region=region,
        level=region.level if region else None,
    )


def clean_title(raw: str) -> str:
    """A title's lines joined, markup and indentation dropped."""
    lines = [re.sub(r"\[bookmark:[^\]]*\]", "", line).strip() for line in raw.splitlines()]
    return "".join(line for line in lines if line)


def _doc_number(lines: list[Line]) -> str | None:
    for line in lines:
        found = _DOC_NUMBER.match(line.text)
        if found:
            return found.group(1)
    return None


def _issue_date_and_issuer(lines: list[Line]) -> tuple[dt.date | None, str | None]:
    """The first line holding only a date, and the line just above it when it names a body."""
    for index, line in enumerate(lines):
        found = _DATE_LINE.match(line.text)
        if not found:
            continue
        try:
            issued = dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            continue
        return issued, _signature(lines, index)
    return None, None


def _signature(lines: list[Line], date_index: int) -> str | None:
    """The first body of the signature block above a date line (joint issuers: the first one)."""
    block: list[str] = []
    for index in range(date_index - 1, -1, -1):
        text = lines[index].text.strip()
        if not text:
            if block:
                break
            continue
        if len(text) > 30 or not _ISSUER.search(text):
            break
        block.insert(0, text)
    return block[0] if block else None


def _plan_year(title: str, issued: dt.date | None, period: re.Match[str] | None, text: str) -> int | None:
    years = {int(y) for y in _YEAR.findall(title)} if not period else set()
    if len(years) == 1:
        return years.pop()
    if issued:
        return issued.year
    if period:
        return int(period.group(1))
    return _body_year(text)


def _body_year(text: str) -> int | None:
    """The year most of the body's dated deadlines (2023年10月底前) fall in, when the title and the date say none."""
    years = Counter(int(found.group(1)) for found in _DATED_DEADLINE.finditer(text))
    if not years:
        return None
    (year, count), total = years.most_common(1)[0], sum(years.values())
    return year if count * 2 > total else None


def _plan_region(text: str, title: str, issuer: str | None, outline: Outline) -> RegionRef | None:
    """The most specific region the title or issuer names; else the one the preamble's own words name; else,
    as a last resort, the one of the documents it cites (a city bureau's plan that carries out 《咸阳市…方案》)."""
    if issuer and _NATIONAL.match(issuer) or _NATIONAL.match(title):
        return CHINA
    preamble = outline.plan_level_spans[0].text if outline.plan_level_spans else ""
    for source in (title + (issuer or ""), _CITED.sub("", preamble), " ".join(_CITED.findall(preamble))):
        region = _most_specific(source, context=text)
        if region is not None:
            return region
    return None


def _most_specific(source: str, context: str) -> RegionRef | None:
    places = gazetteer()
    names = [match.region.name for match in places.find(source, short_names=True)]
    named = [places.resolve(name, context=_lazy_context_names(context)) for name in names]
    named = [region for region in named if region is not None]
    if not named:
        return None
    rank = {Level.national: 0, Level.province: 1, Level.city: 2, Level.county: 3, Level.district: 3}
    return max(named, key=lambda region: rank[region.level])


def _lazy_context_names(text: str) -> Iterator[str]:
    """:func:`_context_names`, looked for only if a name is ambiguous: most are not, and the look-up
    scans the whole plan for every region of the country."""
    yield from _context_names(text)


def _context_names(text: str) -> list[str]:
    places = gazetteer()
    return sorted({m.region.name for m in places.find(text) if m.region.level in (Level.province, Level.city)})
