"""One agency per real body: a name as written (省生态环境厅) becomes a canonical name with its
jurisdiction (山东省生态环境厅, in 山东省) and a functional type from the agency-type scheme.

A level prefix (省, 市, 区, 县) is read against the plan's region: 市生态环境局 in 济宁市's plan is
济宁市生态环境局. Names opening with a place keep it (济宁海关); ministries are national.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from pypinyin import lazy_pinyin
from rdflib.namespace import SKOS

from kg.models import Level, RegionRef
from kg.regions import CHINA, english_label, gazetteer
from kg.vocabulary import AIRKG, RES, vocabulary_graph

# Whole-body abbreviations as plans write them → the body's full name.
_ABBREVIATIONS = {
    "发展改革委": "发展和改革委员会", "发改委": "发展和改革委员会", "发改局": "发展和改革局", "发展改革局": "发展和改革局",
    "工信局": "工业和信息化局", "工信厅": "工业和信息化厅", "住建局": "住房和城乡建设局", "住建厅": "住房和城乡建设厅",
    "住房城乡建设厅": "住房和城乡建设厅", "住房城乡建设局": "住房和城乡建设局", "住房城乡建设部": "住房和城乡建设部",
    "市场监管局": "市场监督管理局", "市场监管总局": "国家市场监督管理总局", "应急厅": "应急管理厅", "应急局": "应急管理局",
    "城管局": "城市管理局", "人社局": "人力资源和社会保障局", "国家发展改革委": "国家发展和改革委员会",
    "公安交警支队": "公安局交警支队", "公安交警大队": "公安局交警大队",
}
_BODY_EN = {
    "生态环境厅": "Department of Ecology and Environment", "生态环境局": "Bureau of Ecology and Environment",
    "生态环境分局": "Ecology and Environment Branch Bureau", "生态环境部": "Ministry of Ecology and Environment",
    "发展和改革委员会": "Development and Reform Commission", "发展和改革局": "Development and Reform Bureau",
    "国家发展和改革委员会": "National Development and Reform Commission",
    "工业和信息化厅": "Department of Industry and Information Technology",
    "工业和信息化局": "Bureau of Industry and Information Technology",
    "工业和信息化部": "Ministry of Industry and Information Technology",
    "住房和城乡建设厅": "Department of Housing and Urban-Rural Development",
    "住房和城乡建设局": "Bureau of Housing and Urban-Rural Development",
    "住房和城乡建设部": "Ministry of Housing and Urban-Rural Development",
    "交通运输厅": "Department of Transport", "交通运输局": "Bureau of Transport", "交通运输部": "Ministry of Transport",
    "公安厅": "Department of Public Security", "公安局": "Public Security Bureau", "公安分局": "Public Security Branch Bureau",
    "公安部": "Ministry of Public Security", "市场监督管理局": "Administration for Market Regulation",
    "国家市场监督管理总局": "State Administration for Market Regulation",
    "农业农村厅": "Department of Agriculture and Rural Affairs", "农业农村局": "Bureau of Agriculture and Rural Affairs",
    "能源局": "Energy Administration", "财政厅": "Department of Finance", "财政局": "Finance Bureau", "财政部": "Ministry of Finance",
    "应急管理厅": "Department of Emergency Management", "应急管理局": "Emergency Management Bureau",
    "自然资源厅": "Department of Natural Resources", "自然资源局": "Natural Resources Bureau",
    "自然资源和规划局": "Bureau of Natural Resources and Planning", "水利厅": "Department of Water Resources",
    "水利局": "Water Resources Bureau", "商务局": "Bureau of Commerce", "气象局": "Meteorological Bureau",
    "城市管理局": "Urban Management Bureau", "人民政府": "People's Government", "海事局": "Maritime Safety Administration",
    "行政审批服务局": "Administrative Approval Service Bureau", "统计局": "Statistics Bureau", "税务局": "Taxation Bureau",
}
_NATIONAL = re.compile(r"^(国家|国务院|中央|全国)|(部|总局|总署)$")
_COLLECTIVE = re.compile(r"^各|成员单位|相关部门|有关部门|有关单位|相关单位|^\d+[市县区]$|各责任部门")
_NUMBERED_LOCAL = re.compile(r"^\d+(?P<unit>[市县区])$")


@dataclass(frozen=True)
class CanonicalAgency:
    canonical: str
    english: str
    jurisdiction: RegionRef | None
    agency_type: str
    collective: bool


@dataclass(frozen=True)
class _AgencyType:
    code: str
    pattern: re.Pattern[str]
    priority: int
    english: str


@cache
def _agency_types() -> list[_AgencyType]:
    graph = vocabulary_graph()
    types = []
    for concept in graph.subjects(SKOS.inScheme, RES["scheme/agency-types"]):
        pattern = graph.value(concept, AIRKG.namePattern)
        if pattern is None:
            continue
        english = next((str(label) for label in graph.objects(concept, SKOS.prefLabel) if label.language == "en"), "")
        priority = graph.value(concept, AIRKG.priority)
        types.append(_AgencyType(str(concept).rsplit("/", 1)[-1], re.compile(str(pattern)),
                                 int(priority) if priority is not None else 0, english))
    return sorted(types, key=lambda t: (t.priority, t.code))


@lru_cache(maxsize=4096)
def agency_type(name: str) -> str:
    """The functional type code of a body's name; 'other' when no pattern fits."""
    return next((t.code for t in _agency_types() if t.pattern.search(name)), "other")


@lru_cache(maxsize=4096)
def canonical_agency(name: str, plan_region: RegionRef | None) -> CanonicalAgency:
    """Resolve ``name`` as written in a plan of ``plan_region``.

    Cached: a plan names the same bodies in measure after measure, and pinyin is slow.
    """
    jurisdiction, body, named_place = _jurisdiction_and_body(name, plan_region)
    numbered = _NUMBERED_LOCAL.match(body)
    if numbered:  # 16市: the province's cities, the same group as 各市
        body = "各" + numbered.group("unit")
    body = _ABBREVIATIONS.get(body, body)
    has_prefix = jurisdiction is not None and jurisdiction.code != CHINA.code and not named_place
    canonical = (jurisdiction.name if has_prefix else "") + body
    return CanonicalAgency(
        canonical=canonical,
        english=_english(body, jurisdiction),
        jurisdiction=jurisdiction,
        agency_type=agency_type(body),
        collective=bool(_COLLECTIVE.search(name) or _COLLECTIVE.search(body)),
    )


def _jurisdiction_and_body(name: str, plan_region: RegionRef | None) -> tuple[RegionRef | None, str, bool]:
    """The region a name belongs to, the name without its level prefix, and whether it names its place itself."""
    places = gazetteer()
    level_prefixes = {"省": Level.province, "市": Level.city, "区": Level.district, "县": Level.county}
    first = name[0]
    if first in level_prefixes and plan_region is not None and len(name) > 2:
        return _region_at_level(plan_region, level_prefixes[first]), name[1:], False
    if first == "局" and len(name) > 2:  # 局大气办: the plan's own bureau's 大气办
        return plan_region, name[1:], False
    if plan_region is not None and plan_region.code != CHINA.code:
        inside = _place_in_name(name, plan_region)
        if inside is not None:  # 济宁海关, 周村交警大队, 国网济宁供电公司: the name carries its place
            return inside, name, True
    if _NATIONAL.search(name) and not name.endswith(("营业部", "组织部")):
        return CHINA, name, True
    return plan_region, name, False


#: What follows a place's short name when the name is of a town or village (城关镇, 城关街道), not of the
#: region whose short name it is (城关区).
_TOWN_SUFFIX = re.compile(r"镇|乡|街道|村|社区|苏木|嘎查|办事处")


def _place_in_name(name: str, plan_region: RegionRef) -> RegionRef | None:
    """The region a name carries (济宁海关 → 济宁市): the first place it names, looked up in the plan's own
    region and in its province; where both know a name there (two 城关区, 东营 the city or the district),
    the plan's own region wins. A short name followed by 镇, 乡, 街道 … names a town, which lies in the
    plan's region, not the region of that short name (a plan of 尼玛县: its 城关镇 is not Lhasa's 城关区)."""
    places = gazetteer()
    found = [(m.start, 1, -(m.end - m.start), m) for m in places.find(name, within=_province_of(plan_region).code,
                                                                     short_names=True)]
    if plan_region.level not in (Level.province, Level.national):
        found += [(m.start, 0, -(m.end - m.start), m) for m in places.find(name, within=plan_region.code,
                                                                         short_names=True)]
    for *_, match in sorted(found, key=lambda item: item[:3]):
        if match.end - match.start < len(match.region.name) and _TOWN_SUFFIX.match(name, match.end):
            continue
        return match.region
    return None


def _province_of(region: RegionRef) -> RegionRef:
    if region.level in (Level.province, Level.national):
        return region
    return gazetteer().ancestors(region.code)[-1]


def _region_at_level(plan_region: RegionRef, level: Level) -> RegionRef:
    """The plan's region or its ancestor at ``level``; 区/县 both mean the plan's own county-level region."""
    if level in (Level.district, Level.county):
        return plan_region
    chain = [plan_region, *gazetteer().ancestors(plan_region.code)]
    return next((r for r in chain if r.level == level), plan_region)


def _english(body: str, jurisdiction: RegionRef | None) -> str:
    """Translated by its parts from the glossary of standard names (kg/agency_names.py, which holds
    :data:`_BODY_EN`'s names and more), with the jurisdiction's name; pinyin only for proper names."""
    from kg.agency_names import english_name

    place = english_label(jurisdiction) if jurisdiction and jurisdiction.code != CHINA.code else ""
    return english_name(body, place)


@lru_cache(maxsize=8192)
def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text)).capitalize()
