"""Which files a batch reads, the plan ids they give, and how plans and names are written on one line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import DocumentError, InputError
from kg.extract.assembly import PlanOverrides, plan_id_for
from kg.extract.quality import flag_summary
from kg.models import Plan
from kg.regions import gazetteer
from kg.extract.reading import (
    SUPPORTED_SUFFIXES,
)


#: What a plan id given by the user (``--id``) may look like: it becomes part of IRIs.
PLAN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")
PLAN_ID_RULE = "letters, digits, '_', '-' and '.', starting with a letter or digit, at most 100 characters"
#: Years a plan may be given (``--year``): relative deadlines are resolved against it.
YEARS = range(1949, 2101)


def plan_summary(plan: Plan) -> str:
    """One line on a plan: its file, title, counts and quality flags."""
    return f"{_summary_line(plan.source_file, plan.title, *_counts(plan))}, {flag_summary(plan)}"


def _counts(plan: Plan) -> tuple[int, int, int]:
    """A plan's measures, distinct agencies and deadlines."""
    measures = plan.measures
    return (len(measures), len({a.canonical for m in measures for a in m.agencies}),
            sum(len(m.deadlines) for m in measures))


def _summary_line(source_file: str, title: str, measures: int, agencies: int, deadlines: int) -> str:
    return (f"{printable(source_file)}: {printable(title)} — {measures} measures, {agencies} agencies, "
            f"{deadlines} deadlines")


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` on one line: line breaks and other control characters (a file may be named so) written as
    escapes, so that a summary line or a message is never split.

    >>> printable("plan\\nadded evil.txt")
    'plan\\\\nadded evil.txt'
    """
    return _UNPRINTABLE.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                                                     else f"\\u{ord(m.group()):04x}"), text)


@dataclass(frozen=True)
class Found:
    """The files to ingest, and those passed over inside folders, with why."""

    files: list[Path]
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def find_documents(paths: Iterable[Path]) -> Found:
    """Files to ingest: each file given, and every supported file inside each folder given (sorted).

    Inside folders, files of other types, hidden files and Word's lock files (``~$plan.docx``) are passed over
    and listed in :attr:`Found.skipped`; a file named directly is always read (and refused if unsupported).

    Raises:
        DocumentError: a path does not exist, or no documents were found.
    """
    paths = list(paths)
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for candidate in sorted(p for p in path.rglob("*") if p.is_file()):
                why = _pass_over(candidate.relative_to(path))
                if why:
                    skipped.append((candidate, why))
                else:
                    files.append(candidate)
        elif path.exists():
            files.append(path)
        else:
            raise DocumentError(f"{path}: no such file or folder")
    if not files:
        raise DocumentError(f"no documents ({', '.join(SUPPORTED_SUFFIXES)}) in {', '.join(map(str, paths))}")
    return Found(files, skipped)


def _pass_over(relative: Path) -> str | None:
    if any(part.startswith(".") for part in relative.parts):
        return "hidden"
    if relative.name.startswith("~$"):
        return "a Word lock file"
    if relative.suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"not a plan document ({relative.suffix or 'no suffix'}; airkg reads {', '.join(SUPPORTED_SUFFIXES)})"
    return None


def documents_in(paths: Iterable[Path]) -> list[Path]:
    """The files of :func:`find_documents`, without the list of those skipped."""
    return find_documents(paths).files


def check_overrides(overrides: PlanOverrides, files: int) -> None:
    """Refuse overrides that cannot be right: a title or id for several files, a malformed id, an odd year.

    Raises:
        InputError: which override is wrong and why.
    """
    if (overrides.title or overrides.plan_id) and files != 1:
        raise InputError("--title and --id name one plan: give exactly one file")
    if overrides.plan_id is not None and not PLAN_ID.fullmatch(overrides.plan_id):
        raise InputError(f"plan id {printable(overrides.plan_id[:120])!r}"
                         f"{f' ({len(overrides.plan_id)} characters)' if len(overrides.plan_id) > 100 else ''} "
                         f"is not usable: {PLAN_ID_RULE}")
    if overrides.year is not None and overrides.year not in YEARS:
        raise InputError(f"year {overrides.year} is out of range ({YEARS.start}–{YEARS.stop - 1})")
    if overrides.title is not None and not overrides.title.strip():
        raise InputError("--title is empty")
    if overrides.region is not None and gazetteer().resolve(overrides.region) is None:
        raise InputError(f"unknown or ambiguous region {overrides.region!r}; give its full name, "
                         "e.g. 山东省济南市 → 济南市")


def check_plan_id(name: str, overrides: PlanOverrides = PlanOverrides()) -> str:
    """The id the plan of the file ``name`` will have; refused (ingest, CLI and API alike) unless every other
    command and route can name it too (:data:`PLAN_ID`).

    Raises:
        DocumentError: the file name makes an unusable id (e.g. over 100 characters) and no ``--id`` is given.
    """
    plan_id = overrides.plan_id or plan_id_for(name)
    if not PLAN_ID.fullmatch(plan_id):
        raise DocumentError(f"{printable(name)}: its name makes the plan id {printable(plan_id[:40])}"
                            f"{'…' if len(plan_id) > 40 else ''} ({len(plan_id)} characters), which is not usable "
                            f"({PLAN_ID_RULE}); rename the file or give an id (--id, or the upload's 'id' field)")
    return plan_id
