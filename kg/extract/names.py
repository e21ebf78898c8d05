"""Lists of agency names as plans write them: split at 、，；和 (not inside brackets, not inside a body's
own name such as 工业和信息化厅), cleaned (由, 等相关部门, qualifiers in parentheses), and completed where
several names share one suffix (秦都、高新、兴平分局 → 秦都分局, 高新分局, 兴平分局).

>>> [(n.name, n.role.value) for n in names_at("市交通运输局（牵头）、市公安局", 0, Role.responsible)]
[('市交通运输局', 'lead'), ('市公安局', 'responsible')]
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from kg.models import Role

ORG_SUFFIX = re.compile(
    r"(局|厅|委|委员会|办|办公室|室|部|部门|中心|政府|管委会|支队|大队|中队|科|站|公司|海关|银行|院|所|队|处|组|"
    r"单位|集团|指挥部|营业部|总局|总署|街道|乡镇)$"
)
_SHARED_SUFFIX = re.compile(
    r"(?:镇|乡|街道|区|县|市|旗)?(?:人民政府|政府|分局|支队|大队|管委会|办事处|局|厅|委|办|中心|站|科)$"
)
_LOCAL_GOVERNMENT = re.compile(r"^(各|\d+)(相关)?[省市县区镇乡]+$|^各(相关)?县（市、区）$")
_PLACE_UNITS = ("镇", "乡", "街道", "区", "县", "市", "旗")
_PLACE_UNIT_PREFIX = re.compile(r"^(镇|乡|街道|区|县|市|旗)")
QUALIFIER_ROLES = {"牵头": Role.lead, "牵头单位": Role.lead, "配合": Role.support, "负责": Role.responsible}
_TRAILING_ETC = re.compile(r"(等(相关|有关)?(部门|单位)?|按职责|按照职责)$")
QUALIFIER = re.compile(r"（(?P<inner>[^（）]*)）$|\((?P<inner2>[^()]*)\)$")
NAME_SPLIT = re.compile(r"[、，,；;]")


def split_top_level(names: str) -> list[tuple[str, int]]:
    """Split on 、，； outside parentheses: '各分局（不涉及高新、经开）' stays one piece."""
    return split_outside_brackets(names, NAME_SPLIT)


def split_outside_brackets(text: str, separator: re.Pattern[str]) -> list[tuple[str, int]]:
    pieces, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "（(〔【":
            depth += 1
        elif char in "）)〕】":
            depth = max(0, depth - 1)
        elif depth == 0 and separator.match(char):
            pieces.append((text[start:index], start))
            start = index + 1
    pieces.append((text[start:], start))
    return pieces


class Name(NamedTuple):
    """An assignment before it is placed in a document: ``start`` is relative to the text it was read from."""

    name: str
    written: str
    start: int
    role: Role


@lru_cache(maxsize=4096)
def names_at(names: str, start: int, role: Role) -> tuple[Name, ...]:
    pieces: list[tuple[str, int, Role, str]] = []
    for piece, piece_offset in _joined_collectives(split_top_level(names)):
        for part, part_offset in _split_on_and(piece):
            cleaned, lead, qualifier = _clean_name(part)
            if cleaned:
                pieces.append((cleaned, start + piece_offset + part_offset + lead,
                               QUALIFIER_ROLES.get(qualifier or "", role), _as_written(part, lead, cleaned)))
    return tuple(Name(*found) for found in _distribute_suffix(pieces))


def _as_written(raw: str, lead: int, cleaned: str) -> str:
    """The stretch of ``raw`` from ``lead`` that holds ``cleaned``'s characters, line breaks inside included."""
    position, matched = lead, 0
    while position < len(raw) and matched < len(cleaned):
        if raw[position] == cleaned[matched]:
            matched += 1
        position += 1
    return raw[lead:position]


_BARE_COLLECTIVE = re.compile(r"^[\s　]*各[县市区镇乡旗]{1,3}$")
_PLACE_LED = re.compile(r"^[县市区镇乡旗]")


def _joined_collectives(pieces: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """'各县', '区人民政府（管委会）' → '各县、区人民政府（管委会）': one collective, as written."""
    joined: list[tuple[str, int]] = []
    for piece, offset in pieces:
        if joined and _BARE_COLLECTIVE.match(joined[-1][0]) and _PLACE_LED.match(piece) and ORG_SUFFIX.search(
                QUALIFIER.sub("", piece)):
            previous, start = joined.pop()
            joined.append((previous + "、" + piece, start))
        else:
            joined.append((piece, offset))
    return joined


def _split_on_and(piece: str) -> list[tuple[str, int]]:
    """'各县市区人民政府和市直相关部门' → two; '工业和信息化厅' stays whole."""
    for joiner in ("和", "及", "与"):
        index = piece.find(joiner)
        while index > 0:
            left, right = piece[:index], piece[index + 1:]
            if ORG_SUFFIX.search(left) and is_agency(right):
                return [(left, 0), *[(p, o + index + 1) for p, o in _split_on_and(right)]]
            index = piece.find(joiner, index + 1)
    return [(piece, 0)]


def _clean_name(raw: str) -> tuple[str, int, str | None]:
    """Strip spaces, a leading 由, trailing 等/等相关部门 and a qualifier in parentheses (returned)."""
    lead = len(raw) - len(raw.lstrip(" \u3000\t\n"))
    name = re.sub(r"[\s\u3000]+", "", raw)  # a name broken over two printed lines is one name
    if name.startswith("由"):
        name, lead = name[1:], lead + 1
    qualifier, previous = None, None
    while previous != name:
        previous = name
        found = QUALIFIER.search(name)
        inner = (found.group("inner") or found.group("inner2") or "").strip() if found else ""
        if found and not ORG_SUFFIX.search(inner):  # 各县、区人民政府（管委会）: an alternative body stays
            qualifier = qualifier or inner
            name = name[: found.start()].strip()
        name = _TRAILING_ETC.sub("", name).strip()
    return name, lead, qualifier


def _distribute_suffix(pieces: list[tuple[str, int, Role, str]]) -> list[tuple[str, str, int, Role]]:
    """'秦都、高新、兴平分局' → 秦都分局, 高新分局, 兴平分局; '东、西城区政府' → 东城区政府, 西城区政府.

    Returns (name, as-written part, start, role).
    """
    if not pieces:
        return []
    last = pieces[-1][0]
    suffix = _SHARED_SUFFIX.search(last)
    place_length = suffix.start() if suffix else len(last)
    result = []
    for name, start, role, written in pieces[:-1]:
        bare = not ORG_SUFFIX.search(name) and not _LOCAL_GOVERNMENT.match(name) and len(name) < len(last)
        if bare and suffix and name.endswith(_PLACE_UNITS):  # 邳州市、铜山区人民政府
            full = name + _PLACE_UNIT_PREFIX.sub("", suffix.group(0))
        elif bare and suffix and len(name) >= place_length:
            full = name + suffix.group(0)
        elif bare:
            full = name + last[len(name):]
        else:
            full = name
        result.append((full, written, start, role))
    result.append((last, pieces[-1][3], pieces[-1][1], pieces[-1][2]))
    return result


def is_agency(name: str) -> bool:
    """A body's name: an organisation's head noun, or a group of local governments (各县区, 16市), also
    with an alternative in parentheses (各镇（街道）, 各县、区人民政府（管委会）)."""
    if not 2 <= len(name) <= 40:
        return False
    bare = QUALIFIER.sub("", name).replace("、", "")
    return bool(ORG_SUFFIX.search(bare) or _LOCAL_GOVERNMENT.match(bare))
