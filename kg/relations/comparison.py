"""Two plans (usually of one issuer, one year after the other) compared measure by measure: kept, new, dropped,
changed, and what changed.

Measures are paired one to one, best score first (character bigram TF-IDF cosine, :mod:`kg.relations.matching`),
a pair needing at least :data:`SAME_MEASURE`. A pair is ``changed`` when its deadlines moved, its agencies
changed or a target's value changed (tightened or loosened, by its comparator); otherwise ``kept`` (``reworded``
says whether the words differ). A deadline has not moved when its date is the same, or the same a plan-year
later (年底前 in a 2023 and a 2024 plan). Measures of B left unpaired are ``new``, of A ``dropped``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kg.relations.features import Deadline, MeasureInfo, PlanInfo, TargetValue
from kg.relations.matching import Evidence, PairScorer, Prepared, evidence, numbers, work_text

SAME_MEASURE = 0.30
_TIGHTER = {"<=": -1, "decrease": 1, ">=": 1, "increase": 1}


@dataclass(frozen=True)
class Change:
    kind: str
    """``deadline_moved``, ``agency_changed``, ``target_tightened``, ``target_loosened``, ``target_changed``."""
    before: str
    after: str


@dataclass
class MeasureDiff:
    status: str
    """``kept``, ``changed``, ``new`` or ``dropped``."""
    a: MeasureInfo | None
    b: MeasureInfo | None
    score: float | None = None
    changes: list[Change] = field(default_factory=list)
    evidence: Evidence | None = None
    reworded: bool = False

    @property
    def key(self) -> tuple:
        first = self.b or self.a
        return (0 if self.b else 1, first.path_key if first else ())


@dataclass
class PlanDiff:
    a: PlanInfo
    b: PlanInfo
    measures: list[MeasureDiff]

    def of_status(self, status: str) -> list[MeasureDiff]:
        return [d for d in self.measures if d.status == status]

    def counts(self) -> dict[str, int]:
        return {status: len(self.of_status(status)) for status in ("kept", "changed", "new", "dropped")}


def _shift(date: dt.date, years: int) -> dt.date | None:
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February
        return None


def _deadline_words(deadlines: Sequence[Deadline]) -> str:
    return "、".join(d.text for d in deadlines) or "—"


def deadline_change(a: MeasureInfo, b: MeasureInfo, years: int) -> Change | None:
    dated_a = {(d.kind, d.date) for d in a.deadlines if d.date}
    dated_b = {(d.kind, d.date) for d in b.deadlines if d.date}
    if not dated_a and not dated_b:
        return None
    # each date of one side is a date of the other, as it is or a plan-year later (earlier)
    forward = dated_a | {(kind, _shift(date, years)) for kind, date in dated_a}
    backward = dated_b | {(kind, _shift(date, -years)) for kind, date in dated_b}
    if dated_b <= forward and dated_a <= backward:
        return None
    return Change("deadline_moved", _deadline_words(a.deadlines), _deadline_words(b.deadlines))


def agency_change(a: MeasureInfo, b: MeasureInfo) -> Change | None:
    before, after = set(a.agencies), set(b.agencies)
    if before == after:
        return None
    def words(items: set[tuple[str, str]]) -> str:
        return "、".join(f"{label}（{role}）" for role, label in sorted(items, key=lambda x: (x[1], x[0]))) or "—"
    return Change("agency_changed", words(before - after), words(after - before))


def target_changes(a: MeasureInfo, b: MeasureInfo) -> list[Change]:
    out = []
    used: set[int] = set()
    for ta in a.targets:
        for index, tb in enumerate(b.targets):
            if index in used or not _same_target(ta, tb):
                continue
            used.add(index)
            if ta.value != tb.value:
                direction = _TIGHTER.get(ta.comparator)
                if direction is None:
                    kind = "target_changed"
                else:
                    kind = "target_tightened" if (tb.value - ta.value) * direction > 0 else "target_loosened"
                out.append(Change(kind, f"{ta.indicator} {ta.value}{ta.unit}", f"{tb.indicator} {tb.value}{tb.unit}"))
            break
    if not out and not a.targets and not b.targets:
        before, after = numbers(work_text(a.text)), numbers(work_text(b.text))
        if before and after and before != after:
            out.append(Change("target_changed", "、".join(sorted(before - after)), "、".join(sorted(after - before))))
    return out


def _same_target(a: TargetValue, b: TargetValue) -> bool:
    return a.comparator == b.comparator and a.unit == b.unit and (
        a.indicator == b.indicator or _overlap(a.indicator, b.indicator) >= 0.6)


def _overlap(a: str, b: str) -> float:
    x = {a[i:i + 2] for i in range(len(a) - 1)}
    y = {b[i:i + 2] for i in range(len(b) - 1)}
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def compare_plans(a: PlanInfo, b: PlanInfo, measures_a: Sequence[MeasureInfo], measures_b: Sequence[MeasureInfo],
                  threshold: float = SAME_MEASURE, with_evidence: bool = True) -> PlanDiff:
    """Plan ``a`` (the earlier) against plan ``b``, measure by measure; the words paired measures share only
    ``with_evidence`` (the relations graph does not store them)."""
    prepared_a = [Prepared.of(m) for m in measures_a]
    prepared_b = [Prepared.of(m) for m in measures_b]
    scorer = PairScorer(prepared_a, prepared_b)
    similarity = scorer.similarity
    above = np.argwhere(similarity >= threshold)  # the rest are never paired
    scored = sorted(((float(similarity[i, j]), int(i), int(j)) for i, j in above),
                    key=lambda item: (-item[0], item[1], item[2]))
    taken_a: set[int] = set()
    taken_b: set[int] = set()
    years = (b.year or 0) - (a.year or 0) if a.year and b.year else 0
    diffs = []
    for score, i, j in scored:
        if score < threshold:
            break
        if i in taken_a or j in taken_b:
            continue
        taken_a.add(i)
        taken_b.add(j)
        x, y = prepared_a[i], prepared_b[j]
        changes = [c for c in (deadline_change(x.measure, y.measure, years), agency_change(x.measure, y.measure)) if c]
        changes += target_changes(x.measure, y.measure)
        diffs.append(MeasureDiff("changed" if changes else "kept", x.measure, y.measure, round(score, 4), changes,
                                 evidence(x, y) if with_evidence else None, x.work.strip() != y.work.strip()))
    diffs += [MeasureDiff("new", None, p.measure) for j, p in enumerate(prepared_b) if j not in taken_b]
    diffs += [MeasureDiff("dropped", p.measure, None) for i, p in enumerate(prepared_a) if i not in taken_a]
    return PlanDiff(a, b, sorted(diffs, key=lambda d: d.key))


def diff_as_dict(diff: PlanDiff) -> dict:
    """The diff as plain data (the CLI's JSON, ``/api/compare``)."""
    def measure(m: MeasureInfo | None) -> dict | None:
        if m is None:
            return None
        return {"iri": m.iri, "path": m.path, "title": m.title, "span": [m.start, m.end],
                "deadlines": [d.text for d in m.deadlines],
                "agencies": [{"agency": label, "role": role} for role, label in m.agencies]}
    return {
        "a": {"id": diff.a.id, "title": diff.a.title, "year": diff.a.year},
        "b": {"id": diff.b.id, "title": diff.b.title, "year": diff.b.year},
        "counts": diff.counts(),
        "measures": [{"status": d.status, "a": measure(d.a), "b": measure(d.b), "score": d.score,
                      "reworded": d.reworded,
                      "changes": [{"kind": c.kind, "before": c.before, "after": c.after} for c in d.changes],
                      "shared": list(d.evidence.phrases) if d.evidence else []} for d in diff.measures],
    }
