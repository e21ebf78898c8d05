"""Quantified requirements: an indicator, a comparator, a number and a unit.

>>> [(t.indicator, t.comparator, str(t.value), t.unit_code) for t in find_targets("PM2.5年均浓度不高于42.2微克/立方米")]
[('PM2.5年均浓度', '<=', '42.2', 'MicroGM-PER-M3')]
"""

from __future__ import annotations

import re
from decimal import Decimal

from kg.models import Span, Target
from kg.vocabulary import pollutants

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
    (r"下降|降低|减少|削减|压减", "decrease"),
    (r"提高到|提升到|提高至|提升至|达到|达", "="),
    (r"提升|提高|增长|增加", "increase"),
]
_COMPARATOR = "|".join(f"(?P<c{index}>{pattern})" for index, (pattern, _) in enumerate(_COMPARATORS))
_UNIT = "|".join(re.escape(unit) for unit in sorted(_UNITS, key=len, reverse=True))
_TARGET = re.compile(
    rf"(?:{_COMPARATOR})(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>{_UNIT})(?P<qualifier>以上|以下|以内|左右)?"
)
_INDICATOR_START = re.compile(r"[，。；：,;:\n（）()]")
_QUALIFIED = {"以上": ">=", "以下": "<=", "以内": "<=", "左右": "about"}


def find_targets(text: str, offset: int = 0) -> list[Target]:
    """Every comparator + number + unit in ``text``, with the indicator before it."""
    targets = []
    for match in _TARGET.finditer(text):
        indicator = _indicator(text, match.start())
        if not indicator:
            continue
        pollutant = next(iter(pollutants().find(indicator)), None)
        start, end = match.start() - len(indicator), match.end()
        targets.append(Target(
            indicator=indicator,
            pollutant=pollutant[0] if pollutant else None,
            comparator=_comparator(match),
            value=Decimal(match.group("value")),
            unit=match.group("unit"),
            unit_code=_UNITS[match.group("unit")],
            span=Span(start=offset + start, end=offset + end, text=text[start:end]),
        ))
    return targets


def _indicator(text: str, comparator_start: int) -> str:
    window = text[max(0, comparator_start - 40):comparator_start]
    cut = max((m.end() for m in _INDICATOR_START.finditer(window)), default=0)
    return window[cut:].strip()


def _comparator(match: re.Match[str]) -> str:
    base = next(symbol for index, (_, symbol) in enumerate(_COMPARATORS) if match.group(f"c{index}"))
    qualifier = match.group("qualifier")
    if base in ("=", "<=") and qualifier:
        return _QUALIFIED[qualifier]
    return base
