"""What the page templates share: cleaned document text, search hits highlighted, readable type names,
plan titles by id, links built from a filter, and the inline SVG of a timeline chart."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from functools import cache
from urllib.parse import urlencode

from fastapi import FastAPI
from markupsafe import Markup, escape
from rdflib.namespace import SKOS

from api.reads.common import select
from api.reads.measure_page import clean
from kg.vocabulary import RES, vocabulary_graph

_PLAN_TITLES = "SELECT ?plan ?title WHERE { ?plan a airkg:Plan . OPTIONAL { ?plan dcterms:title ?title } }"


@cache
def _scheme_labels(scheme: str) -> dict[str, str]:
    graph = vocabulary_graph()
    out = {}
    for concept in graph.subjects(SKOS.inScheme, RES[f"scheme/{scheme}"]):
        code = str(concept).rsplit("/", 1)[-1]
        en = next((str(x) for x in graph.objects(concept, SKOS.prefLabel) if getattr(x, "language", None) == "en"), None)
        zh = next((str(x) for x in graph.objects(concept, SKOS.prefLabel) if getattr(x, "language", None) == "zh"), None)
        out[code] = f"{en} {zh}" if en and zh else en or zh or code.replace("_", " ")
    return out


def type_label(code: str | None) -> str:
    """``ecology_environment`` -> ``Ecology and environment 生态环境`` (the agency-type scheme's labels)."""
    if not code:
        return ""
    return _scheme_labels("agency-types").get(code, code.replace("_", " "))


def highlight(value: str | None, terms: Iterable[str] | None) -> Markup:
    """``value`` escaped, every occurrence of a term (any case) in ``<mark>``."""
    value = clean(value)
    wanted = sorted({t for t in (terms or ()) if t and len(t.strip()) >= 1}, key=len, reverse=True)
    if not wanted:
        return escape(value)
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    out, position = [], 0
    for hit in pattern.finditer(value):
        out.append(escape(value[position:hit.start()]))
        out.append(Markup("<mark>") + escape(hit.group()) + Markup("</mark>"))
        position = hit.end()
    out.append(escape(value[position:]))
    return Markup("").join(out)


def snippet(value: str | None, terms: Iterable[str] | None, width: int = 60) -> Markup:
    """The text around the first hit of a term (``…`` where cut), highlighted; the start when none hits."""
    value = clean(value)
    lowered = value.casefold()
    hits = [lowered.find(t.casefold()) for t in (terms or ()) if t and t.casefold() in lowered]
    if not hits:
        return highlight(value[:2 * width] + ("…" if len(value) > 2 * width else ""), ())
    first = min(hits)
    start, end = max(0, first - width), min(len(value), first + 2 * width)
    return (Markup("…") if start else Markup("")) + highlight(value[start:end], terms) + \
        (Markup("…") if end < len(value) else Markup(""))


def query_string(params: Mapping[str, object], **changes: object) -> str:
    """A query string of ``params`` with ``changes`` (None drops a key); empty values left out."""
    merged = {**params, **changes}
    return urlencode([(k, str(v)) for k, v in merged.items() if v not in (None, "")])


def filter_params(wanted) -> dict[str, str]:
    """The filter fields of a MeasureFilter that are set, as query parameters (paging left out)."""
    out = {}
    for name in ("plan", "region", "pollutant", "sector", "agency", "role", "due_from", "due_to", "status", "as_of",
                 "q"):
        value = getattr(wanted, name, None)
        if value not in (None, ""):
            out[name] = getattr(value, "value", value)
    if wanted.pollutant_basis == wanted.sector_basis:
        out["basis"] = wanted.pollutant_basis.value
    else:
        out["pollutant_basis"], out["sector_basis"] = wanted.pollutant_basis.value, wanted.sector_basis.value
    return {k: str(v) for k, v in out.items()}


def timeline_svg(months: Mapping[str, tuple[int, int]], width: int = 900, height: int = 180) -> Markup:
    """Measures due per month as bars (``{"2023-06": (due, overdue)}``), overdue stacked in red: inline SVG
    drawn here, nothing loaded. Each bar links to that month on the page (``#month-2023-06``)."""
    dated = [(key, counts) for key, counts in months.items() if re.fullmatch(r"\d{4}-\d{2}", key)]
    if not dated:
        return Markup("")
    top = max(due + overdue for _, (due, overdue) in dated) or 1
    left, bottom, plot_h = 34, 34, height - 34 - 10
    step = max(6.0, (width - left - 10) / len(dated))
    width = int(left + 10 + step * len(dated))
    bar = max(3.0, step * 0.72)
    parts = [f'<svg class="chart" role="img" aria-label="Measures due per month" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">']
    for tick in sorted({0, top // 2, top}):
        y = 10 + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{left}" x2="{width - 6}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" class="axis" text-anchor="end">{tick}</text>')
    last_year = None
    for i, (key, (due, overdue)) in enumerate(dated):
        x = left + i * step + (step - bar) / 2
        on_time_h = plot_h * due / top
        late_h = plot_h * overdue / top
        y_late = 10 + plot_h - late_h
        y_due = y_late - on_time_h
        title = escape(f"{key}: {due + overdue} due, {overdue} overdue")
        parts.append(f'<a href="#month-{key}"><title>{title}</title>')
        if due:
            parts.append(f'<rect class="due" x="{x:.1f}" y="{y_due:.1f}" width="{bar:.1f}" height="{on_time_h:.1f}"/>')
        if overdue:
            parts.append(f'<rect class="late" x="{x:.1f}" y="{y_late:.1f}" width="{bar:.1f}" height="{late_h:.1f}"/>')
        parts.append("</a>")
        year, month = key.split("-")
        if year != last_year or (len(dated) <= 24 and month in ("01", "04", "07", "10")):
            label = year if year != last_year else month
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" class="axis" '
                         f'text-anchor="middle">{label}</text>')
            last_year = year
    parts.append(f'<g class="key"><rect class="due" x="{left}" y="{height - 12}" width="10" height="10"/>'
                 f'<text x="{left + 14}" y="{height - 3}" class="axis">due</text>'
                 f'<rect class="late" x="{left + 50}" y="{height - 12}" width="10" height="10"/>'
                 f'<text x="{left + 64}" y="{height - 3}" class="axis">overdue as of {dt.date.today()}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def install(app: FastAPI) -> None:
    """The filters and globals above, in the app's templates."""
    env = app.state.templates.env

    def plan_title(plan_id: str) -> str:
        store = app.state.store
        if store is None:
            return plan_id
        from api.reads.common import reused

        titles = reused(store, "plan titles", lambda: {
            str(row["plan"]).rsplit("/plan/", 1)[-1]: str(row["title"] or "") for row in select(store, _PLAN_TITLES)})
        return titles.get(plan_id) or plan_id

    env.filters.update(clean=clean, highlight=highlight, snippet=snippet, type_label=type_label)
    env.globals.update(plan_title=plan_title, query_string=query_string, type_label=type_label,
                       has_graph=lambda: bool(getattr(app.state, "has_graph", False)))
