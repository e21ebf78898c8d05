"""Which plans a plan is related to, looked up instead of scanned: the plans by region, each region's ancestors
read from the gazetteer once. :class:`PlanTable` gives :func:`~kg.relations.lineage.higher_plans`,
:func:`~kg.relations.status.predecessors` and :func:`~kg.relations.status.superseded_plans` the plans of the
regions they can choose from (the same answers as over every plan), so a plan costs the plans of its region and
its few ancestors, not the store: relations over N plans grow with N, not N².
"""

from __future__ import annotations

from collections.abc import Iterable

from kg.relations.features import PlanInfo
from kg.relations.lineage import ancestor_regions, higher_plans
from kg.relations.status import predecessors, superseded_plans


class PlanTable:
    """Plans by region, with each region's ancestors.

    >>> a = PlanInfo("a", "山东省方案", region="370000", year=2023)
    >>> b = PlanInfo("b", "济宁市方案", region="370800", year=2023)
    >>> [p.id for p in PlanTable([a, b]).higher(b)]
    ['a']
    """

    def __init__(self, plans: Iterable[PlanInfo]) -> None:
        self.plans: dict[str, PlanInfo] = {p.id: p for p in plans}
        self.by_region: dict[str | None, list[PlanInfo]] = {}
        for plan in self.plans.values():
            self.by_region.setdefault(plan.region, []).append(plan)
        self._ancestors: dict[str | None, list[str]] = {}

    def ancestors(self, region: str | None) -> list[str]:
        """:func:`~kg.relations.lineage.ancestor_regions`, looked up once per region."""
        if region not in self._ancestors:
            self._ancestors[region] = ancestor_regions(region)
        return self._ancestors[region]

    def same_region(self, plan: PlanInfo) -> list[PlanInfo]:
        return self.by_region.get(plan.region, []) if plan.region is not None else []

    def above(self, plan: PlanInfo) -> list[PlanInfo]:
        """The plans of the regions above ``plan``'s (those :func:`higher_plans` chooses from)."""
        return [p for region in self.ancestors(plan.region) for p in self.by_region.get(region, [])]

    def higher(self, plan: PlanInfo) -> list[PlanInfo]:
        return higher_plans(plan, self.above(plan))

    def predecessors(self, plan: PlanInfo) -> list[PlanInfo]:
        return predecessors(plan, self.same_region(plan))

    def superseded(self, plan: PlanInfo) -> list[tuple[PlanInfo, float]]:
        return superseded_plans(plan, self.same_region(plan))

    def depending_on(self, changed: Iterable[str]) -> set[str]:
        """The plans whose relations hold one of the plans ``changed`` as the table stands: those with it among
        their higher plans (lineage) or their predecessors (previous plan, comparison, supersession). A plan
        outside both chooses the same plans whether the changed ones are there or not (a higher plan is chosen
        among the plans of its region by its own period and date; a predecessor is an earlier plan of the same
        issuer), so its relations are unchanged."""
        changed_plans = [self.plans[i] for i in set(changed) if i in self.plans]
        if not changed_plans:
            return set()
        if len(changed_plans) == len(self.plans):
            return set(self.plans)
        ids = {p.id for p in changed_plans}
        regions = {p.region for p in changed_plans if p.region is not None}
        out = set()
        for plan in self.plans.values():
            if plan.region in regions and any(p.id in ids for p in self.predecessors(plan)):
                out.add(plan.id)
            elif regions.intersection(self.ancestors(plan.region)) and any(p.id in ids for p in self.higher(plan)):
                out.add(plan.id)
        return out

