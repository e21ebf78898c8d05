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


_LEVEL_ORDER = {Level.national: 0, Level.province: 1, Level.city: 2, Level.county: 3, Level.district: 3}


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
        return list(self._find(text, within, short_names))

    @lru_cache(maxsize=64)  # noqa: B019 — plan_header asks about a whole plan's text several times
    def _find(self, text: str, within: str | None, short_names: bool) -> tuple[RegionMatch, ...]:
        return tuple(self._matcher(within, short_names).find(text, self._by_code))

    @lru_cache(maxsize=256)  # noqa: B019 — one gazetteer lives for the process
    def _matcher(self, within: str | None, short_names: bool) -> _NameMatcher:
        return _NameMatcher(self._names_within(within, short_names))

    def _names_within(self, within: str | None, short_names: bool) -> dict[str, list[str]]:
        names: dict[str, list[str]] = {}
        if within and within != CHINA.code:
            position = self._positions()
            inside = sorted(self._subtree(within) & position.keys(), key=position.get)
            regions = [self._by_code[code] for code in inside]
        else:
            regions = list(self._by_code.values())
        for region in regions:
            if region.code == CHINA.code:
                continue
            shorten = short_names and (within is not None or region.level in (Level.province, Level.city))
            for name in {region.name, *(_short_names(region) if shorten else ())}:
                names.setdefault(name, []).append(region.code)
        for codes in names.values():  # 东营 is 东营市 before 东营区: the higher level wins a shared short name
            codes.sort(key=lambda code: _LEVEL_ORDER[self._by_code[code].level])
        return names

    def _subtree(self, code: str) -> frozenset[str]:
        """``code`` and every region whose chain of parents reaches it: what :meth:`is_within` accepts."""
        children = self._children()
        found, todo = {code}, [code]
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return frozenset(found)

    @cache  # noqa: B019 — one gazetteer lives for the process
    def _positions(self) -> dict[str, int]:
        """Each code's place in the gazetteer: names are collected in this order, as the first code of a
        name is the one :meth:`find` reports."""
        return {code: index for index, code in enumerate(self._by_code)}

    @cache  # noqa: B019 — one gazetteer lives for the process
    def _children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {}
        for code in self._by_code:
            parent = self.parent(code)
            if parent is not None:
                children.setdefault(parent.code, []).append(code)
        return children

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
    return _english_label(region.code, region.name)


@lru_cache(maxsize=8192)
def _english_label(code: str, name: str) -> str:
    if code == CHINA.code:
        return "China"
    for suffix, english in _EN_SUFFIX:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            return f"{_pinyin(stem)} {english}"
    return _pinyin(name)


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


class _NameMatcher:
    """Leftmost, then longest, non-overlapping occurrences of a set of names.

    A regular expression alternating the names longest first finds exactly these; Python's ``re``
    tries its alternatives one by one at each position, which is fast for the few hundred names of
    one province but takes 18 ms on a 5,000-character plan for the ~4,000 of the whole country.
    Big sets are therefore matched by looking up, at each position that can start a name, the
    lengths of the names starting with that character.
    """

    _REGEX_UP_TO = 400

    def __init__(self, names: dict[str, list[str]]) -> None:
        self._codes = names
        self._regex: re.Pattern[str] | None = None
        self._lengths: dict[str, list[int]] = {}
        if len(names) <= self._REGEX_UP_TO:
            if names:
                self._regex = re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))))
            return
        lengths: dict[str, set[int]] = {}
        for name in names:
            lengths.setdefault(name[0], set()).add(len(name))
        self._lengths = {first: sorted(found, reverse=True) for first, found in lengths.items()}
        self._starts = re.compile("[" + "".join(map(re.escape, sorted(self._lengths))) + "]")

    def find(self, text: str, by_code: dict[str, RegionRef]) -> list[RegionMatch]:
        codes = self._codes
        if self._regex is not None:
            return [RegionMatch(m.start(), m.end(), by_code[codes[m.group(0)][0]]) for m in self._regex.finditer(text)]
        matches: list[RegionMatch] = []
        if not self._lengths:
            return matches
        lengths, starts, end = self._lengths, self._starts, len(text)
        found_start = starts.search(text)
        while found_start is not None:
            position = found_start.start()
            resume = position + 1
            for length in lengths[text[position]]:
                if position + length <= end:
                    found = codes.get(text[position:position + length])
                    if found is not None:
                        matches.append(RegionMatch(position, position + length, by_code[found[0]]))
                        resume = position + length
                        break
            found_start = starts.search(text, resume)
        return matches


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
