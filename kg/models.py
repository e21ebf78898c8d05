"""Pydantic models at the boundary between extraction and RDF building.

Every extracted fact carries a :class:`Span` into the source document, so that
``document.text[span.start:span.end] == span.text``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class Role(str, Enum):
    lead = "lead"
    responsible = "responsible"
    support = "support"
    implementing = "implementing"


class DeadlineKind(str, Enum):
    by = "by"
    from_ = "from"
    during = "during"
    recurring = "recurring"
    ongoing = "ongoing"


class Basis(str, Enum):
    stated = "stated"
    inferred = "inferred"


class Level(str, Enum):
    national = "national"
    province = "province"
    city = "city"
    county = "county"
    district = "district"


class Span(BaseModel):
    """A stretch of the source document: ``text == document[start:end]``."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class RegionRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(description="Six-digit administrative division code (100000 for China).")
    name: str
    level: Level


class AgencyAssignment(BaseModel):
    """One agency given one role on one measure."""

    name: str = Field(description="The agency as written in the document.")
    canonical: str = Field(description="Full name with its jurisdiction, one per real agency.")
    canonical_en: str = Field("", description="English label of the canonical agency.")
    role: Role
    agency_type: str = Field(description="Functional type code, e.g. ecology_environment.")
    jurisdiction: RegionRef | None = None
    collective: bool = Field(False, description="A group such as 各市 or 各分局, not one body.")
    blanket: bool = Field(False, description="Inherited from a clause that covers later measures.")
    span: Span = Field(description="Where the assignment is written (the name inside its clause).")


class Leader(BaseModel):
    name: str
    span: Span


class Deadline(BaseModel):
    date: dt.date | None = Field(description="None for kind 'ongoing' (长期坚持), and for relative words (9月底前) "
                                               "in a plan whose year is unknown (see ``note``).")
    end: dt.date | None = Field(None, description="Last day of a 'during' span.")
    kind: DeadlineKind
    text: str
    note: str | None = Field(None, description="How a convention resolved the words, e.g. 采暖季.")
    span: Span


class ConceptMention(BaseModel):
    """A pollutant or sector, named in the text (stated) or implied by the schemes (inferred)."""

    code: str
    basis: Basis
    span: Span | None = Field(None, description="The naming words for a stated mention; None when inferred.")
    via: str | None = Field(None, description="For an inferred mention, the code it was inferred from.")


class Target(BaseModel):
    """A quantified requirement: 'PM2.5年均浓度不高于42.2微克/立方米'."""

    indicator: str
    pollutant: str | None = None
    comparator: str = Field(description="<=, >=, =, decrease, increase, about")
    value: Decimal
    unit: str = Field(description="The unit as written, e.g. 微克/立方米.")
    unit_code: str | None = Field(None, description="QUDT unit local name, e.g. MicroGM-PER-M3.")
    span: Span


class RegionMention(BaseModel):
    region: RegionRef
    span: Span


class FlagCode(str, Enum):
    """What a quality flag asks an analyst to review (``ontology/quality-flags.ttl``)."""

    no_numbering = "no_numbering"
    numbering_gaps = "numbering_gaps"
    numbering_repeats = "numbering_repeats"
    unresolved_deadlines = "unresolved_deadlines"
    no_agencies = "no_agencies"
    no_year = "no_year"
    no_region = "no_region"
    role_words_without_agencies = "role_words_without_agencies"
    agency_name_has_role_word = "agency_name_has_role_word"
    agency_unknown_head = "agency_unknown_head"
    long_measure = "long_measure"
    unresolved_deadline = "unresolved_deadline"


class QualityFlag(BaseModel):
    """Something in a plan or measure an analyst should review: one flag per kind, its instances counted."""

    code: FlagCode
    message: str = Field(description="What was found, in English.")
    span: Span | None = Field(None, description="Where the first instance is written, when it is in the text.")
    count: int | None = Field(None, ge=1, description="How many instances, when they can be counted.")


class Section(BaseModel):
    path: str
    number: str = Field(description="The label as written: 一、 （一） 1．")
    title: str
    plan_level: bool
    span: Span


class Measure(BaseModel):
    id: str
    path: str
    number: str
    title: str
    section_path: str | None
    text: str
    span: Span
    agencies: list[AgencyAssignment] = []
    leaders: list[Leader] = []
    deadlines: list[Deadline] = []
    pollutants: list[ConceptMention] = []
    sectors: list[ConceptMention] = []
    targets: list[Target] = []
    regions: list[RegionMention] = []
    quality_flags: list[QualityFlag] = []


class Plan(BaseModel):
    id: str
    source_file: str
    sha256: str
    title: str
    title_span: Span | None = None
    issuer: str | None = None
    region: RegionRef | None = None
    level: Level | None = None
    doc_number: str | None = Field(None, description="文号, e.g. 周政发〔2019〕11号.")
    issued: dt.date | None = None
    year: int | None = Field(None, description="The year relative deadlines resolve against.")
    period_start: int | None = None
    period_end: int | None = None
    targets: list[Target] = []
    sections: list[Section] = []
    measures: list[Measure] = []
    quality_flags: list[QualityFlag] = []
