"""Path parameters shared by the routes: ids are checked against the shapes the graph uses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

#: What an id may hold at all; an id of that shape that names nothing is a 404 (not a 400), so that
#: /agencies/nope is "not found" for a browser and a client alike.
_ID = r"^[^\s<>\"{}|\\^`/?#]{1,200}$"
PlanId = Annotated[str, Path(description="Plan id, e.g. 000_aa781de31b5c5cff.", pattern=_ID)]
MeasureId = Annotated[str, Path(description="Measure id {plan}:{path}, e.g. 000_aa781de31b5c5cff:2.1.",
                                max_length=300)]
AgencyId = Annotated[str, Path(description="The hash in the agency IRI, e.g. 76edf130b6dd.", pattern=_ID)]
ConceptCode = Annotated[str, Path(description="The concept's code, e.g. PM2.5 or steel.", pattern=_ID)]
RegionCode = Annotated[str, Path(description="Six-digit administrative code, e.g. 370000.", pattern=_ID)]
