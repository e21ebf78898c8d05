"""How two measures are compared: the methods lineage and comparison choose from, and the evidence of a match.

- ``tfidf``: cosine of character bigram TF-IDF vectors of the two measures' work (heading number and agency
  clauses cut off), the weights from the measures of the two plans compared (so a score depends on those two
  plans only, and a link is rebuilt with them). Every pair of the two plans is scored at once, as one product of
  two numpy matrices (:class:`PairScorer`): a million measure pairs cost seconds, not minutes.
- ``codes``: a weighted overlap of what the measures are about: sector and pollutant codes, the domain terms of
  :data:`TERMS` found in the text, the numbers with their units, and the deadline years.
- ``hybrid``: the mean of the two.

The choice among them is made by measurement (``airkg evaluate``, "lineage"; ``BENCHMARKS.md``): see
:data:`CHOSEN`. Candidates are blocked by a shared sector or pollutant code or domain term: two measures
sharing none are never compared.

Evidence (:class:`Evidence`) is what the two texts share, never a paraphrase: their common phrases as
written (maximal common substrings of at least two characters, generic verbs left out), shared codes,
shared numbers. It is not stored with a lineage link: whoever shows a link computes it from the two measures
(:func:`measure_evidence`, ``kg/relations/evidence.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from kg.relations.features import MeasureInfo

#: The method lineage uses and its threshold, chosen on the annotated links (see ``tests/golden/relations``).
CHOSEN = "tfidf"
THRESHOLDS = {"tfidf": 0.10, "codes": 0.34, "hybrid": 0.20}
#: At most this many counterparts per measure in one higher plan.
TOP_K = 3
#: ... and scoring at least this share of the best one's score.
RELATIVE = 0.6

#: Domain terms: what a measure is about, beyond the sector and pollutant schemes.
TERMS = (
    "超低排放", "清洁取暖", "散煤", "燃煤锅炉", "生物质锅炉", "燃气锅炉", "工业炉窑", "煤炭消费", "非化石能源", "天然气",
    "铁路", "水路", "清洁运输", "新能源", "非道路移动机械", "柴油货车", "重型柴油", "机动车", "船舶", "油品", "油气回收",
    "加油站", "扬尘", "降尘", "秸秆", "矿山", "餐饮油烟", "恶臭", "异味", "氨", "重污染天气", "应急减排", "监测", "执法",
    "产业集群", "原辅材料", "源头替代", "泄漏检测", "LDAR", "储罐", "无组织排放", "环保绩效", "低效", "治理设施",
    "烟花爆竹", "信息公开", "组织领导", "财政", "金融", "电价", "宣传", "考核", "督察", "排放清单", "焦化", "水泥",
    "钢铁", "化肥", "养殖", "落后产能", "产能置换", "环境准入", "高耗能", "煤电", "热电联产", "集中供热", "施工工地",
    "道路", "清扫", "露天焚烧", "禁燃区", "VOCs", "挥发性有机物", "臭氧", "PM2.5", "颗粒物", "氮氧化物", "脱硫", "脱硝",
    "除尘", "在线监控", "自动监控", "远程监督", "高值区", "帮扶", "联防联控", "区域协作", "达标", "举报", "科技",
    "平台", "黑加油站", "溯源", "车用", "货车", "公交", "出租", "充电", "港口", "码头", "机场", "岸电", "网格化",
)
_TERM_RE = re.compile("|".join(sorted(map(re.escape, TERMS), key=len, reverse=True)))

#: Words shared by nearly every measure: never evidence on their own.
GENERIC = frozenset("""加强 推进 推动 开展 实施 强化 完善 落实 严格 加快 持续 全面 深入 提升 提高 建立 健全 进一步 积极 组织
工作 相关 有关 要求 按照 以及 等 和 的 在 对 及 与 或 了 是 为 将 各 要 年 月 底前 以上 以下 不低于 达到 完成 开展 全市 全省
全国 市 省 县 区 企业 行业 重点 综合 治理 管理 措施 机制 制度 体系 水平 能力 情况 问题""".split())

_AGENCY_CLAUSE = re.compile(r"[（(][^（）()]{0,300}?(?:负责|牵头|配合|落实|参与|协办)[^（）()]{0,80}[）)]")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百\d]+[）)]|\d+[．.、]\s*)")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(%|万千瓦|万吨|吨|蒸吨|公里|平方米|微克|家|台|个|辆|倍|年)")
_HAN_OR_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9.]")
_WORD_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9.]+")


def work_text(text: str) -> str:
    """What a measure asks, for comparison: its text without the heading number and agency clauses."""
    return _AGENCY_CLAUSE.sub("", _HEADING.sub("", text, count=1))


def bigrams(text: str) -> Counter[str]:
    chars = "".join(_HAN_OR_WORD.findall(text))
    return Counter(chars[i:i + 2] for i in range(len(chars) - 1))


def terms(text: str) -> set[str]:
    return set(_TERM_RE.findall(text))


def numbers(text: str) -> set[str]:
    return {"".join(m.groups()) for m in _NUMBER.finditer(text) if m.group(2) != "年"}


def years(measure: MeasureInfo) -> set[int]:
    return {d.date.year for d in measure.deadlines if d.date}


@dataclass
class Prepared:
    """A measure with what the methods compare, computed once."""

    measure: MeasureInfo
    work: str
    grams: Counter[str]
    terms: set[str]
    numbers: set[str]
    years: set[int]
    keys: set[str] = field(default_factory=set)
    """Blocking keys: codes and terms; two measures are compared only when they share one."""
    gram_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """The bigrams as ids of :data:`_GRAM_IDS`, with their term frequencies ``1 + log(count)`` in :attr:`tf`."""
    tf: np.ndarray = field(default_factory=lambda: np.zeros(0))
    key_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def of(cls, measure: MeasureInfo) -> Prepared:
        work = work_text(measure.text)
        found = terms(work)
        grams = bigrams(work)
        keys = {f"c:{c}" for c in measure.codes} | {f"t:{t}" for t in found}
        return cls(measure, work, grams, found, numbers(work), years(measure), keys,
                   np.array([_GRAM_IDS.setdefault(g, len(_GRAM_IDS)) for g in grams], dtype=np.int64),
                   1.0 + np.log(np.array(list(grams.values()), dtype=np.float64)),
                   np.array([_KEY_IDS.setdefault(k, len(_KEY_IDS)) for k in keys], dtype=np.int64))


#: Bigrams and blocking keys as integers (a new one gets the next), shared by every :class:`Prepared` of the
#: process (a few hundred thousand at most: Chinese character pairs, the codes and terms).
_GRAM_IDS: dict[str, int] = {}
_KEY_IDS: dict[str, int] = {}


@dataclass(frozen=True)
class Evidence:
    """Why two measures were matched: what their texts share."""

    phrases: tuple[str, ...]
    codes: tuple[str, ...]
    numbers: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    lower: Prepared
    higher: Prepared
    score: float
    scores: dict[str, float]


class PairScorer:
    """Scores the measures of one plan against those of another (both ways symmetric).

    The TF-IDF cosines of every pair are computed at once (:attr:`similarity`, lower × higher): each measure a
    row of bigram weights ``(1 + log tf) · idf`` over the bigrams of the two plans, normalised, and one matrix
    product. The idf is ``log((1 + n) / (1 + df)) + 1`` over the ``n`` measures of both plans. Cosines are
    rounded to 12 decimals, so identical measures tie exactly (and are ordered by their paths)."""

    def __init__(self, lower: Sequence[Prepared], higher: Sequence[Prepared]) -> None:
        self.lower, self.higher = list(lower), list(higher)
        self._rows = {id(p): i for i, p in enumerate(self.lower)}
        self._columns = {id(p): j for j, p in enumerate(self.higher)}
        documents = [*self.lower, *self.higher]
        n = len(documents)
        lengths = [len(p.gram_ids) for p in documents]
        if not n or not sum(lengths):
            self.similarity = np.zeros((len(self.lower), len(self.higher)))
            return
        grams = np.concatenate([p.gram_ids for p in documents])
        rows = np.repeat(np.arange(n), lengths)
        vocabulary, columns = np.unique(grams, return_inverse=True)
        df = np.bincount(columns, minlength=len(vocabulary))
        weights = np.concatenate([p.tf for p in documents]) * (np.log((1 + n) / (1 + df)) + 1)[columns]
        norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=n))
        norms[norms == 0] = 1.0
        weights /= norms[rows]
        # only the bigrams both plans use add to a cosine: the matrices hold those columns alone
        split = len(self.lower)
        lower_side = rows < split
        shared = np.zeros(len(vocabulary), dtype=bool)
        shared[np.unique(columns[lower_side])] = True
        in_higher = np.zeros(len(vocabulary), dtype=bool)
        in_higher[columns[~lower_side]] = True
        shared &= in_higher
        position = np.cumsum(shared) - 1
        matrices = []
        for side, size, offset in ((lower_side, split, 0), (~lower_side, n - split, split)):
            keep = side & shared[columns]
            matrix = np.zeros((size, int(shared.sum())))
            matrix[rows[keep] - offset, position[columns[keep]]] = weights[keep]
            matrices.append(matrix)
        self.similarity = np.round(matrices[0] @ matrices[1].T, 12)

    def tfidf(self, a: Prepared, b: Prepared) -> float:
        if id(a) in self._rows and id(b) in self._columns:
            return float(self.similarity[self._rows[id(a)], self._columns[id(b)]])
        return float(self.similarity[self._rows[id(b)], self._columns[id(a)]])

    @staticmethod
    def codes(a: Prepared, b: Prepared) -> float:
        parts = [(0.25, _jaccard({c for c in a.measure.codes if c.startswith("sector/")},
                                 {c for c in b.measure.codes if c.startswith("sector/")})),
                 (0.15, _jaccard({c for c in a.measure.codes if c.startswith("pollutant/")},
                                 {c for c in b.measure.codes if c.startswith("pollutant/")})),
                 (0.45, _jaccard(a.terms, b.terms)),
                 (0.10, _jaccard(a.numbers, b.numbers)),
                 (0.05, _jaccard(a.years, b.years))]
        # a side with nothing of a kind says nothing about it: weigh only the kinds both sides have
        present = [(w, s) for (w, s), has in zip(parts, (
            a.measure.codes and b.measure.codes, a.measure.codes and b.measure.codes, a.terms and b.terms,
            a.numbers and b.numbers, a.years and b.years)) if has]
        total = sum(w for w, _ in present)
        return sum(w * s for w, s in present) / total if total else 0.0

    def score(self, a: Prepared, b: Prepared, method: str | None = None) -> dict[str, float]:
        """The scores of ``method`` (all three when None; hybrid needs the other two)."""
        if method == "tfidf":
            return {"tfidf": self.tfidf(a, b)}
        if method == "codes":
            return {"codes": self.codes(a, b)}
        tfidf, codes = self.tfidf(a, b), self.codes(a, b)
        return {"tfidf": tfidf, "codes": codes, "hybrid": (tfidf + codes) / 2}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def blocked(lower: Sequence[Prepared], higher: Sequence[Prepared]) -> np.ndarray:
    """Which pairs (lower × higher, booleans) share a blocking key: :func:`candidates` as a matrix."""
    keys = np.unique(np.concatenate([p.key_ids for p in (*lower, *higher)] or [np.zeros(0, dtype=np.int64)]))
    def incidence(side: Sequence[Prepared]) -> np.ndarray:
        matrix = np.zeros((len(side), len(keys)), dtype=np.float32)
        for i, p in enumerate(side):
            matrix[i, np.searchsorted(keys, p.key_ids)] = 1.0
        return matrix
    return (incidence(lower) @ incidence(higher).T) > 0


def candidates(lower: Sequence[Prepared], higher: Sequence[Prepared]) -> list[tuple[Prepared, Prepared]]:
    """The pairs that share a blocking key (a code or a domain term), through an index of the higher side."""
    index: dict[str, list[int]] = {}
    for position, prepared in enumerate(higher):
        for key in prepared.keys:
            index.setdefault(key, []).append(position)
    pairs = []
    for prepared in lower:
        hits: set[int] = set()
        for key in prepared.keys:
            hits.update(index.get(key, ()))
        pairs.extend((prepared, higher[position]) for position in sorted(hits))
    return pairs


def evidence(a: Prepared, b: Prepared, limit: int = 8) -> Evidence:
    """The phrases the two texts share as written (longest first), their shared codes and numbers."""
    return _evidence(a.work, a.measure.codes, a.numbers, b.work, b.measure.codes, b.numbers, limit)


def measure_evidence(a: MeasureInfo, b: MeasureInfo, limit: int = 8) -> Evidence:
    """:func:`evidence` of two measures as read, without preparing them for scoring."""
    work_a, work_b = work_text(a.text), work_text(b.text)
    return _evidence(work_a, a.codes, numbers(work_a), work_b, b.codes, numbers(work_b), limit)


def _evidence(work_a: str, codes_a: set[str], numbers_a: set[str], work_b: str, codes_b: set[str],
              numbers_b: set[str], limit: int) -> Evidence:
    return Evidence(tuple(common_phrases(work_a, work_b)[:limit]), tuple(sorted(codes_a & codes_b)),
                    tuple(sorted(numbers_a & numbers_b)))


def common_phrases(a: str, b: str, least: int = 2) -> list[str]:
    """Maximal runs of ``a`` (at least ``least`` characters, not generic) that also occur in ``b``.

    From each position of a run of word characters of ``a``, the longest stretch found in ``b`` (containment
    shrinks with length, so it is found by halving), skipped over when it is a phrase.

    >>> common_phrases("加强钢铁行业超低排放改造", "推进钢铁行业超低排放")
    ['钢铁行业超低排放']
    """
    found: list[str] = []
    pairs = {b[k:k + 2] for k in range(len(b) - 1)}  # a stretch of two or more starts with one of b's bigrams
    for run in _WORD_RUN.finditer(a):
        i, end = run.span()
        while i < end:
            if least >= 2 and a[i:i + 2] not in pairs:
                i += 1
                continue
            low, high = min(2, end - i) if least >= 2 else 0, end - i  # a[i:i + low] is in b
            while low < high:
                middle = (low + high + 1) // 2
                if a[i:i + middle] in b:
                    low = middle
                else:
                    high = middle - 1
            if low >= least:
                phrase = a[i:i + low]
                if phrase not in GENERIC and not all(phrase[k:k + 2] in GENERIC for k in range(0, len(phrase) - 1, 2)):
                    found.append(phrase)
                i += low
            else:
                i += 1
    unique = sorted(set(found), key=lambda p: (-len(p), a.find(p)))
    return [p for p in unique if not any(p != q and p in q for q in unique)]


def best_matches(scorer: PairScorer, pairs: Sequence[tuple[Prepared, Prepared]], method: str, threshold: float,
                 top_k: int = TOP_K, relative: float | None = None) -> list[Match]:
    """For each lower measure, its higher counterparts scoring at least ``threshold`` by ``method`` and at least
    ``relative`` times the best one's score, best ``top_k`` first."""
    by_lower: dict[int, list[Match]] = {}
    for a, b in pairs:
        scores = scorer.score(a, b, method)
        if scores[method] >= threshold:
            by_lower.setdefault(id(a), []).append(Match(a, b, scores[method], scores))
    return _kept(by_lower.values(), top_k, relative)


def best_tfidf_matches(scorer: PairScorer, threshold: float, top_k: int = TOP_K,
                       relative: float | None = None) -> list[Match]:
    """:func:`best_matches` by ``tfidf`` over the :func:`candidates` of the scorer's two plans, from its matrix:
    only the pairs above ``threshold`` become :class:`Match` objects."""
    if not scorer.lower or not scorer.higher:
        return []
    similarity = scorer.similarity
    hits = (similarity >= threshold) & blocked(scorer.lower, scorer.higher)
    by_lower = []
    for i in np.flatnonzero(hits.any(axis=1)):
        a = scorer.lower[i]
        by_lower.append([Match(a, scorer.higher[j], score, {"tfidf": score})
                         for j in np.flatnonzero(hits[i]) for score in (float(similarity[i, j]),)])
    return _kept(by_lower, top_k, relative)


def _kept(by_lower: Iterable[list[Match]], top_k: int, relative: float | None) -> list[Match]:
    """Per lower measure, its best ``top_k`` matches scoring at least ``relative`` times the best."""
    out = []
    ratio = RELATIVE if relative is None else relative
    for matches in by_lower:
        matches.sort(key=lambda m: (-m.score, m.higher.measure.path_key))
        matches = [m for m in matches if m.score >= ratio * matches[0].score]
        out.extend(matches[:top_k])
    return out
