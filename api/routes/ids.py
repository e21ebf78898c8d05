"""Path parameters shared by the routes: ids are checked against the shapes the graph uses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

#: What an id may hold at all; an id of that shape that names nothing is a 404 (not a 400), so that
#: /agencies/nope is "not found" for a browser and a client alike. The excluded characters are spelled
#: out (controls, space, C1 controls) rather than ``\s``, which JSON Schema's regular expressions and
#: pydantic's read differently (U+0085 is ``\s`` to pydantic only): the schema and the server agree.
_ID = r"^[^\x00-\x20\x7f-\x9f<>\"{}|\\^`/?#]{1,200}$"
PlanId = Annotated[str, Path(description="Plan id, e.g. 000_aa781de31b5c5cff.", pattern=_ID)]
MeasureId = Annotated[str, Path(description="Measure id {plan}:{path}, e.g. 000_aa781de31b5c5cff:2.1.",
                                max_length=300)]
AgencyId = Annotated[str, Path(description="The hash in the agency IRI, e.g. 76edf130b6dd.", pattern=_ID)]
ConceptCode = Annotated[str, Path(description="The concept's code, e.g. PM2.5 or steel.", pattern=_ID)]
RegionCode = Annotated[str, Path(description="Six-digit administrative code, e.g. 370000.", pattern=_ID)]
