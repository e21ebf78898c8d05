"""Quantified requirements: an indicator, a comparator, a number and a unit.

>>> [(t.indicator, t.comparator, str(t.value), t.unit_code) for t in find_targets("PM2.5年均浓度不高于42.2微克/立方米")]
[('PM2.5年均浓度', '<=', '42.2', 'MicroGM-PER-M3')]
"""

from __future__ import annotations

import re
from decimal import Decimal

from kg.models import Span, Target
from kg.extract.concepts import pollutants

_UNITS = {
    "微克/立方米": "MicroGM-PER-M3", "微克／立方米": "MicroGM-PER-M3", "μg/m3": "MicroGM-PER-M3", "µg/m³": "MicroGM-PER-M3",
    "毫克/立方米": "MilliGM-PER-M3", "mg/m3": "MilliGM-PER-M3", "mg／m3": "MilliGM-PER-M3", "mg/m³": "MilliGM-PER-M3",
    "%": "PERCENT", "％": "PERCENT", "天": "DAY", "小时": "HR", "吨": "TONNE", "千瓦": "KiloW", "公里": "KiloM", "米": "M",
    "吨/月·平方公里": None, "吨／月·平方公里": None, "万吨": None, "亿立方米": None, "万立方米": None,
    "万千瓦": None, "蒸吨/小时": None, "蒸吨／小时": None, "辆": None, "台": None, "家": None, "万亩": None,
}
_COMPARATORS = [
    (r"不高于|不超过|不得高于|不得超过|不大于|低于|降至|降到|下降到|降低到|控制在", "<="),
    (r"不低于|不少于|至少达到|不得低于|至少|高于|超过", ">="),
    (r"下降|降低|减少|削减|压减|降", "decrease"),
    (r"提高到|提升到|提高至|提升至|达到|达", "="),
    (r"提升|提高|增长|增加", "increase"),
]
_COMPARATOR = "|".join(f"(?P<c{index}>{pattern})" for index, (pattern, _) in enumerate(_COMPARATORS))
_UNIT = "|".join(re.escape(unit) for unit in sorted(_UNITS, key=len, reverse=True))
_TARGET = re.compile(
    rf"(?:{_COMPARATOR})(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>{_UNIT})(?P<qualifier>以上|以下|以内|左右)?"
)
# A comparator's last character and the number's first: the pattern above opens with some thirty words,
# which ``re`` tries at every position, so texts without this are not searched.
_HINT = re.compile("[" + "".join(sorted({word[-1] for words, _ in _COMPARATORS for word in words.split("|")})) + r"]\d")
_CLAUSE_BREAK = re.compile(r"[，。；：,;:\n]")
_SENTENCE_BREAK = re.compile(r"[。；;\n]")
# Where the subject of a clause ends and its predicate starts: 'PM2.5年均浓度|比2015年改善35%…'
_PREDICATE_START = re.compile(r"(比(?![例率重])|较|在|由|从|持续|力争|要|应|须|必须|基本|全面)")
_LIST_VALUE = re.compile(r"[和、及与](?P<value>\d+(?:\.\d+)?)\s*(?P<unit>{units})")
_QUALIFIED = {"以上": ">=", "以下": "<=", "以内": "<=", "左右": "about"}
_LIST_VALUE = re.compile(_LIST_VALUE.pattern.replace("{units}", _UNIT))


def find_targets(text: str, offset: int = 0) -> list[Target]:
    """Every comparator + number + unit in ``text``, with the indicator before it.

    A number that qualifies a noun (降尘量高于7吨…的县, 含硫量超过0.5%的散煤) is a condition, not a
    target. With 分别 (NOx、VOCs…分别不低于1.76万吨和0.57万吨) each value gets its pollutant in order.
    """
    targets: list[Target] = []
    if _HINT.search(text) is None:
        return targets
    for match in _TARGET.finditer(text):
        if _is_condition(text, match.end()):
            continue
        indicator = _indicator(text, match.start())
        if not indicator:
            continue
        values = [(match.group("value"), match.group("unit"), match.end())]
        named = [code for code, _ in pollutants().find(indicator)] or [None]
        respectively = "分别" in text[max(0, match.start() - len(indicator) - 4):match.start()]
        if respectively:
            values += _listed_values(text, match.end())
            if len(values) == 1:  # 二氧化硫、氮氧化物…分别下降30%: one value for each
                values = values * len(named)
        start = text.rfind(indicator, 0, match.start())
        for index, (value, unit, end) in enumerate(values):
            pollutant = named[index] if respectively and index < len(named) else named[0]
            targets.append(Target(
                indicator=indicator, pollutant=pollutant, comparator=_comparator(match),
                value=Decimal(value), unit=unit, unit_code=_UNITS[unit],
                span=Span(start=offset + start, end=offset + end, text=text[start:end]),
            ))
    return targets


def _is_condition(text: str, end: int) -> bool:
    rest = text[end:end + 30]
    clause = _CLAUSE_BREAK.split(rest, maxsplit=1)[0]
    return "的" in clause


def _listed_values(text: str, end: int) -> list[tuple[str, str, int]]:
    values, position = [], end
    while (found := _LIST_VALUE.match(text, position)) is not None:
        values.append((found.group("value"), found.group("unit"), found.end()))
        position = found.end()
    return values


def _indicator(text: str, comparator_start: int) -> str:
    """The subject before the comparator; when the clause has none (…持续下降，控制在54…), the previous
    clause's subject, as far as its predicate ('PM2.5年均浓度' of 'PM2.5年均浓度比2015年改善…')."""
    window = text[max(0, comparator_start - 60):comparator_start]
    sentence = window[max((m.end() for m in _SENTENCE_BREAK.finditer(window)), default=0):]
    clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence)), default=0)
    indicator = sentence[clause_start:].strip()
    if len(indicator) >= 2:
        subject = _PREDICATE_START.split(indicator, maxsplit=1)[0].strip()
        return (subject if len(subject) >= 2 else indicator)[-40:]
    first_clause = _CLAUSE_BREAK.split(sentence.strip(), maxsplit=1)[0]
    subject = _PREDICATE_START.split(first_clause, maxsplit=1)[0].strip()
    if len(subject) < 2 or subject == first_clause.strip():
        return ""
    return subject[-40:]


def _comparator(match: re.Match[str]) -> str:
    base = next(symbol for index, (_, symbol) in enumerate(_COMPARATORS) if match.group(f"c{index}"))
    qualifier = match.group("qualifier")
    if base in ("=", "<=") and qualifier:
        return _QUALIFIED[qualifier]
    return base
