"""China's administrative divisions, from the gazetteer cpca ships (codes, names), with pinyin English labels.

Only cpca's data file is read (not the package, which loads pandas). Ambiguous names such as
朝阳区 are resolved with the plan's own context: the regions it names elsewhere.

>>> gazetteer().by_code("370306").name
'周村区'
>>> [r.name for r in gazetteer().ancestors("370306")]
['淄博市', '山东省']
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from pypinyin import lazy_pinyin

from kg.models import Level, RegionRef

CHINA = RegionRef(code="100000", name="中国", level=Level.national)
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_PROVINCE_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
_CITY_SUFFIX = re.compile(r"(市|地区|盟|.{1,8}自治州)$")
_COUNTY_SUFFIX = re.compile(r"(区|县|市|旗|自治县|自治旗)$")
_EN_OVERRIDES = {"陕西": "Shaanxi", "内蒙古": "Inner Mongolia", "西藏": "Xizang", "香港": "Hong Kong", "澳门": "Macao"}
_EN_SUFFIX = [
    ("特别行政区", "Special Administrative Region"), ("自治区", "Autonomous Region"),
    ("自治州", "Autonomous Prefecture"), ("自治县", "Autonomous County"), ("地区", "Prefecture"),
    ("省", "Province"), ("区", "District"), ("县", "County"), ("旗", "Banner"), ("盟", "League"), ("市", "City"),
]


@dataclass(frozen=True)
class RegionMatch:
    start: int
    end: int
    region: RegionRef


class Gazetteer:
    """Regions by code, their hierarchy, and name look-up."""

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        self._by_code: dict[str, RegionRef] = {CHINA.code: CHINA}
        for code, name in rows:
            if name not in _PLACEHOLDER_NAMES:
                self._by_code[code] = RegionRef(code=code, name=name, level=_level(code, name))
        self._by_name: dict[str, list[str]] = {}
        for region in self._by_code.values():
            self._by_name.setdefault(region.name, []).append(region.code)

    def by_code(self, code: str) -> RegionRef:
        return self._by_code[code]

    def all(self) -> list[RegionRef]:
        return list(self._by_code.values())

    def codes_named(self, name: str) -> list[str]:
        return self._by_name.get(name, [])

    def parent(self, code: str) -> RegionRef | None:
        if code == CHINA.code:
            return None
        for candidate in (code[:4] + "00", code[:2] + "0000"):
            if candidate != code and candidate in self._by_code:
                return self._by_code[candidate]
        return CHINA

    @lru_cache(maxsize=8192)  # noqa: B019
    def ancestors(self, code: str) -> list[RegionRef]:
        """Parents from the nearest up, China excluded."""
        chain, current = [], self.parent(code)
        while current is not None and current.code != CHINA.code:
            chain.append(current)
            current = self.parent(current.code)
        return chain

    def is_within(self, code: str, ancestor: str) -> bool:
        return code == ancestor or ancestor == CHINA.code or any(a.code == ancestor for a in self.ancestors(code))

    def descendants(self, code: str) -> list[RegionRef]:
        return [r for r in self._by_code.values() if r.code != code and self.is_within(r.code, code)]

    def find(self, text: str, within: str | None = None, short_names: bool = False) -> list[RegionMatch]:
        """Region names in ``text``, longest first, not overlapping.

        ``within`` keeps regions inside that one (itself included); ``short_names`` also
        matches names without their suffix (济宁 for 济宁市) when two or more characters remain —
        for counties only inside ``within``, since short county names (和平, 长安) are common words.
        """
        candidates = self._names_within(within, short_names)
        pattern = _alternation(tuple(sorted(candidates, key=len, reverse=True)))
        if pattern is None:
            return []
        matches = []
        for found in pattern.finditer(text):
            codes = candidates[found.group(0)]
            matches.append(RegionMatch(found.start(), found.end(), self._by_code[codes[0]]))
        return matches

    @lru_cache(maxsize=256)  # noqa: B019 — one gazetteer lives for the process
    def _names_within(self, within: str | None, short_names: bool) -> dict[str, list[str]]:
        names: dict[str, list[str]] = {}
        for region in self._by_code.values():
            if region.code == CHINA.code or (within and not self.is_within(region.code, within)):
                continue
            shorten = short_names and (within is not None or region.level in (Level.province, Level.city))
            for name in {region.name, *(_short_names(region) if shorten else ())}:
                names.setdefault(name, []).append(region.code)
        return names

    def resolve(self, name: str, context: Iterable[str] = ()) -> RegionRef | None:
        """The region called ``name``; among several, the one inside a region named in ``context``."""
        codes = self.codes_named(name) or self._codes_by_short_name(name)
        if not codes:
            return None
        if len(codes) == 1:
            return self._by_code[codes[0]]
        context_codes = {code for other in context for code in self.codes_named(other)}
        for code in codes:
            if any(a.code in context_codes for a in self.ancestors(code)):
                return self._by_code[code]
        return None

    def _codes_by_short_name(self, name: str) -> list[str]:
        return [r.code for r in self._by_code.values()
                if r.level in (Level.province, Level.city) and name in _short_names(r)]


def english_label(region: RegionRef) -> str:
    """'Zhoucun District', 'Shandong Province', 'China' — pinyin, so a polyphone may be read wrongly."""
    if region.code == CHINA.code:
        return "China"
    for suffix, english in _EN_SUFFIX:
        if region.name.endswith(suffix) and len(region.name) > len(suffix):
            stem = region.name[: -len(suffix)]
            return f"{_pinyin(stem)} {english}"
    return _pinyin(region.name)


def _pinyin(stem: str) -> str:
    for chinese, english in _EN_OVERRIDES.items():
        if stem.startswith(chinese):
            return english + _pinyin(stem[len(chinese):]) if stem != chinese else english
    return "".join(lazy_pinyin(stem)).capitalize()


def _short_names(region: RegionRef) -> set[str]:
    suffix = {Level.province: _PROVINCE_SUFFIX, Level.city: _CITY_SUFFIX}.get(region.level, _COUNTY_SUFFIX)
    short = suffix.sub("", region.name)
    return {short} if len(short) >= 2 and short != region.name else set()


def _level(code: str, name: str) -> Level:
    if code.endswith("0000"):
        return Level.province
    if code.endswith("00"):
        return Level.city
    return Level.district if name.endswith("区") else Level.county


@cache
def _alternation(names: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(map(re.escape, names))) if names else None


def _gazetteer_file() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the gazetteer package cpca is not installed (pip install cpca)")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


@cache
def gazetteer() -> Gazetteer:
    with _gazetteer_file().open(encoding="utf-8") as handle:
        rows = [(row["adcode"][:6], row["name"]) for row in csv.DictReader(handle)]
    return Gazetteer(rows)
