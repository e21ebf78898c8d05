"""The API's response and filter models: one family per entity (XBase, XPublic, XsPublic{data, count})."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pydantic import BaseModel, Field, model_validator

from api.deps import Day
from kg.models import Role


class Ref(BaseModel):
    """A link to another entity: its id in this API, its IRI and a label."""

    id: str
    iri: str
    label: str | None = None


class Span(BaseModel):
    start: int = Field(description="Offset of the first character in the document's full text.")
    end: int = Field(description="Offset just past the last character.")


# --------------------------------------------------------------------------- quality flags


class QualityFlagPublic(BaseModel):
    """Something extraction found that an analyst should review (see ontology/quality-flags.ttl)."""

    code: str = Field(description="The kind: numbering_gaps, role_words_without_agencies, agency_unknown_head …")
    message: str | None = Field(None, description="What was found, in English.")
    count: int | None = Field(None, description="How many instances the flag covers, when counted.")
    span: Span | None = Field(None, description="Where the first instance is written, when it is in the text.")
    text: str | None = Field(None, description="The words of that span.")


# --------------------------------------------------------------------------- plans


class PlanBase(BaseModel):
    id: str = Field(description="Plan id, e.g. 000_aa781de31b5c5cff.")
    title: str
    identifier: str | None = Field(None, description="文号, the document number, when the plan states one.")
    issued: dt.date | None = None
    year: int | None = None
    level: str | None = Field(None, description="national, province, city, county or district.")


class PlanPublic(PlanBase):
    iri: str
    region: Ref | None = None
    source_file: str | None = None
    measure_count: int = 0
    agency_count: int = 0
    deadline_count: int = 0
    quality_flags: list[QualityFlagPublic] = Field([], description="The plan's own flags (numbering, year, …).")


class PlansPublic(BaseModel):
    data: list[PlanPublic]
    count: int = Field(description="Plans in the store, over all pages.")
    limit: int
    offset: int


# --------------------------------------------------------------------------- measures


class Basis(str, Enum):
    stated = "stated"
    inferred = "inferred"
    any = "any"


class AssignmentPublic(BaseModel):
    agency: Ref
    role: str
    name_as_written: str | None = None
    blanket: bool = False


class DeadlineBase(BaseModel):
    id: str = Field(description="{plan}:{path}:{n} for the IRI res:plan/{plan}/measure/{path}/deadline/{n}, "
                               "e.g. 000_aa781de31b5c5cff:2.1:1.")
    due_date: dt.date | None = None
    end_date: dt.date | None = None
    kind: str | None = Field(None, description="by, from, during, recurring or ongoing.")
    original_text: str | None = None
    note: str | None = None


class ConceptLink(Ref):
    basis: str = Field(description="stated (named in the text) or inferred.")


class MeasureBase(BaseModel):
    id: str = Field(description="Measure id: {plan}:{path}, e.g. 000_aa781de31b5c5cff:2.1.")
    plan_id: str
    path: str
    number: str | None = None
    title: str | None = None
    text: str | None = None


class MeasurePublic(MeasureBase):
    iri: str
    span: Span | None = None
    agencies: list[AssignmentPublic] = []
    deadlines: list[DeadlineBase] = []
    pollutants: list[ConceptLink] = []
    sectors: list[ConceptLink] = []
    regions: list[Ref] = []
    quality_flags: list[QualityFlagPublic] = []


class MeasuresPublic(BaseModel):
    data: list[MeasurePublic]
    count: int = Field(description="Measures matching the filter, over all pages.")
    limit: int
    offset: int


_ROLE_NAMES = "lead|responsible|support|implementing"
_ROLES = rf"^({_ROLE_NAMES})(,({_ROLE_NAMES}))*$"


class MeasureFilter(BaseModel):
    """Which measures to list; every field is optional and they combine with AND.

    Plan, region, pollutant, sector and agency take names as well as codes and ids (山东省, 山东, Shandong,
    370000; VOCs, 挥发性有机物; 钢铁, steel; 山东省生态环境厅 or its English name): they are resolved by
    ``kg.query_params`` (api/reads/names.py), and a value that names nothing answers 400 with the closest
    names. A pollutant or sector counts on one basis: stated (named in the text, the default everywhere),
    inferred (implied by a sector the text names) or any."""

    model_config = {"extra": "forbid"}

    plan: str | None = Field(None, description="Plan id, or its title or a part of the title only it holds.",
                             min_length=1, max_length=200)
    region: str | None = Field(None, description="Region: code (370000), Chinese (山东省, 山东) or English (Shandong) "
                                                 "name; its sub-regions count too.", min_length=1, max_length=100)
    pollutant: str | None = Field(None, description="Pollutant: code (VOCs), Chinese (挥发性有机物) or English name; "
                                                    "narrower ones count too.", min_length=1, max_length=100)
    pollutant_basis: Basis = Field(Basis.stated, description="stated (default), inferred or any.")
    sector: str | None = Field(None, description="Sector: code (steel) or Chinese (钢铁) or English name; narrower "
                                                 "ones count too.", min_length=1, max_length=100)
    sector_basis: Basis = Field(Basis.stated, description="stated (default), inferred or any.")
    basis: Basis | None = Field(None, description="Sets pollutant_basis and sector_basis together (unless given).")
    agency: str | None = Field(None, description="Agency: id (76edf130b6dd), Chinese or English name, a name as "
                                                 "written, or a part of a name only it holds.", min_length=1, max_length=200)
    role: str | None = Field(None, description="Role of the agency (or of any agency): lead, responsible, support "
                                               "or implementing; several with commas (lead,responsible: either).",
                             pattern=_ROLES)
    due_from: Day | None = Field(None, description="A deadline due on or after this day.")
    due_to: Day | None = Field(None, description="A deadline due on or before this day.")
    status: str | None = Field(None, description="Only the measures of plans with this status on as_of "
                                                 "(kg/relations/status.py): in_force (现行), superseded (已被替代), "
                                                 "expired (已过期) or not_yet_issued (尚未发布).",
                               min_length=1, max_length=40)
    as_of: Day | None = Field(None, description="The day of status (default today).")
    q: str | None = Field(None, description="Text in the measure's title or text; a pollutant's or sector's name "
                                            "also finds its other names (steel = 钢铁).", max_length=200)
    limit: int = Field(50, ge=1, le=500, description="Page size (at most 500).")
    offset: int = Field(0, ge=0, le=1_000_000)
    format: str | None = Field(None, description="json (default) or csv (UTF-8 with BOM, every match).",
                               pattern="^(json|csv)$")

    @model_validator(mode="after")
    def _one_basis(self) -> MeasureFilter:
        if self.basis is not None:
            if "pollutant_basis" not in self.model_fields_set:
                self.pollutant_basis = self.basis
            if "sector_basis" not in self.model_fields_set:
                self.sector_basis = self.basis
        return self

    @property
    def roles(self) -> list[str]:
        """The roles asked for (any of them holds), in the order of :class:`~kg.models.Role`."""
        given = set((self.role or "").split(","))
        return [role.value for role in Role if role.value in given]

    @property
    def counted_basis(self) -> str:
        """The basis the list counts on, in words."""
        if self.pollutant_basis == self.sector_basis:
            return {"stated": "stated (named in the text)", "inferred": "inferred only",
                    "any": "stated or inferred"}[self.pollutant_basis.value]
        return f"pollutants {self.pollutant_basis.value}, sectors {self.sector_basis.value}"


# --------------------------------------------------------------------------- agencies


class AgencyBase(BaseModel):
    id: str = Field(description="The hash in the agency's IRI.")
    label: str = Field(description="Canonical Chinese name.")
    label_en: str | None = None


class AgencyPublic(AgencyBase):
    iri: str
    jurisdiction: Ref | None = None
    functional_type: str | None = None
    collective: bool = False
    name_variants: list[str] = []
    measure_count: int = 0


class AgenciesPublic(BaseModel):
    data: list[AgencyPublic]
    count: int = Field(description="Agencies in the store, over all pages.")
    limit: int
    offset: int


# --------------------------------------------------------------------------- pollutants and sectors


class ConceptBase(BaseModel):
    id: str = Field(description="The concept's code (skos:notation).")
    label: str | None = Field(None, description="Chinese preferred label.")
    label_en: str | None = None


class ConceptPublic(ConceptBase):
    iri: str
    definition: str | None = None
    alt_labels: list[str] = []
    broader: list[Ref] = []
    narrower: list[Ref] = []
    measure_count: int = 0


class PollutantPublic(ConceptPublic):
    pass


class PollutantsPublic(BaseModel):
    data: list[PollutantPublic]
    count: int


class SectorPublic(ConceptPublic):
    mainly_emits: list[Ref] = []


class SectorsPublic(BaseModel):
    data: list[SectorPublic]
    count: int


# --------------------------------------------------------------------------- regions


class RegionBase(BaseModel):
    id: str = Field(description="Six-digit administrative code.")
    label: str | None = None
    label_en: str | None = None
    level: str | None = None


class RegionPublic(RegionBase):
    iri: str
    parent: Ref | None = None
    plan_count: int | None = Field(None, description="Plans of the region or its sub-regions (one region only).")
    measure_count: int | None = Field(
        None, description="Measures naming the region or in its plans, sub-regions included (one region only).")


class RegionsPublic(BaseModel):
    data: list[RegionPublic]
    count: int


# --------------------------------------------------------------------------- deadlines


class DeadlinePublic(DeadlineBase):
    iri: str
    measure: Ref
    plan_id: str
    overdue: bool = Field(False, description="A 'by' or 'during' deadline whose last day is before today.")


class DeadlinesPublic(BaseModel):
    data: list[DeadlinePublic]
    count: int


# --------------------------------------------------------------------------- saved queries


class QueryParameterPublic(BaseModel):
    name: str
    type: str = Field(description="region, pollutant, sector, date, … (see kg/query_params.py).")
    default: str | None = None
    optional: bool = Field(False, description="May be left open (any) to match everything.")
    description: str | None = None


class SavedQueryBase(BaseModel):
    name: str
    title: str
    title_zh: str | None = None
    description: str | None = None


class SavedQueryPublic(SavedQueryBase):
    parameters: list[QueryParameterPublic] = []
    sparql: str


class SavedQueriesPublic(BaseModel):
    data: list[SavedQueryPublic]
    count: int


class QueryResultPublic(BaseModel):
    """A saved query's answer, a page at a time: variable names and one object per row (IRIs and literals as
    strings), with the number of rows of the whole answer."""

    name: str
    vars: list[str]
    rows: list[dict[str, str | None]]
    count: int = Field(description="Rows on this page.")
    total: int | None = Field(None, description="Rows of the whole answer, over all pages.")
    limit: int | None = Field(None, description="Most rows a page holds.")
    offset: int = Field(0, description="Rows skipped before this page.")
    next: str | None = Field(None, description="The next page's URL, when there are more rows.")
