"""CSV for every list and table: UTF-8 with a byte-order mark, so that Excel opens the Chinese right."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from fastapi.responses import Response

BOM = "\ufeff"


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The table as CSV text starting with the BOM (None is an empty cell, lists are joined with ``; ``)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v
                         for v in row])
    return out.getvalue()


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    """A CSV download named ``name.csv``."""
    return Response(csv_text(header, rows).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def with_bom(body: str | bytes) -> bytes:
    """A CSV body (from kg.results) with the BOM in front, once."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return data if data.startswith(BOM.encode("utf-8")) else BOM.encode("utf-8") + data


MEASURE_HEADER = ("id", "plan", "number", "path", "title", "lead", "responsible", "support", "implementing",
                  "deadlines", "pollutants", "sectors", "text", "page")


def measure_rows(measures: Iterable, base: str = "") -> Iterable[list[object]]:
    """One CSV row per measure (MeasurePublic): agencies by role, deadlines as written and as dates,
    pollutants and sectors with their basis, the verbatim text and the measure's page."""
    for m in measures:
        by_role: dict[str, list[str]] = {}
        for a in m.agencies:
            by_role.setdefault(a.role, []).append(a.agency.label or a.agency.id)
        deadlines = [f"{d.original_text or ''} ({d.due_date or ''}{'–' + str(d.end_date) if d.end_date else ''})"
                     for d in m.deadlines]
        yield [m.id, m.plan_id, m.number, m.path, m.title, by_role.get("lead", []), by_role.get("responsible", []),
               by_role.get("support", []), by_role.get("implementing", []), deadlines,
               [f"{p.id} ({p.basis})" for p in m.pollutants], [f"{s.label or s.id} ({s.basis})" for s in m.sectors],
               m.text, f"{base}/measures/{m.id}"]


DEADLINE_HEADER = ("due_date", "end_date", "kind", "overdue", "as_written", "note", "measure", "measure_title",
                   "plan", "page")


def deadline_rows(deadlines: Iterable, base: str = "") -> Iterable[list[object]]:
    for d in deadlines:
        yield [d.due_date, d.end_date, d.kind, "yes" if d.overdue else "", d.original_text, d.note, d.measure.id,
               d.measure.label, d.plan_id, f"{base}/measures/{d.measure.id}"]


AGENCY_HEADER = ("id", "name", "english", "jurisdiction", "type", "collective", "measures", "written_as", "page")


def agency_rows(agencies: Iterable, base: str = "") -> Iterable[list[object]]:
    for a in agencies:
        yield [a.id, a.label, a.label_en, a.jurisdiction.label if a.jurisdiction else None, a.functional_type,
               "yes" if a.collective else "", a.measure_count, a.name_variants, f"{base}/agencies/{a.id}"]


CONCEPT_HEADER = ("code", "label", "english", "broader", "measures_stated_or_inferred", "page")


def concept_rows(concepts: Iterable, kind: str, base: str = "") -> Iterable[list[object]]:
    for c in concepts:
        yield [c.id, c.label, c.label_en, [b.id for b in c.broader], c.measure_count, f"{base}/{kind}s/{c.id}"]


PLAN_HEADER = ("id", "title", "identifier", "region", "level", "year", "issued", "measures", "agencies", "deadlines",
               "page")


def plan_rows(plans: Iterable, base: str = "") -> Iterable[list[object]]:
    for p in plans:
        yield [p.id, p.title, p.identifier, p.region.label if p.region else None, p.level, p.year, p.issued,
               p.measure_count, p.agency_count, p.deadline_count, f"{base}/plans/{p.id}"]
