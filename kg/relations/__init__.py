"""Across plans: citations, measure lineage, plan-to-plan comparison and status.

One stage per module: :mod:`~kg.relations.features` (what a plan and its measures say, read from the store),
:mod:`~kg.relations.citations` (《…》 titles and 文号 read from the text, resolved to plans in the store),
:mod:`~kg.relations.matching` (how two measures are compared: two methods, with their evidence),
:mod:`~kg.relations.lineage` (a measure's counterparts in the plans of its region's ancestors),
:mod:`~kg.relations.comparison` (two plans of one issuer, measure by measure),
:mod:`~kg.relations.status` (a plan's period and its status on a date),
:mod:`~kg.relations.graph` (all of it as RDF, one named graph per plan under ``res:graph/relations/``,
rebuilt for the plans a load or a removal affects) and :mod:`~kg.relations.evaluation` (lineage against the
links annotated by reading, ``tests/golden/relations/lineage.json``).
"""
