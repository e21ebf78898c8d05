"""Path parameters shared by the routes: ids are checked against the shapes the graph uses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

PlanId = Annotated[str, Path(description="Plan id, e.g. 000_aa781de31b5c5cff.", pattern=r"^[A-Za-z0-9_.\-]{1,200}$")]
MeasureId = Annotated[str, Path(description="Measure id {plan}:{path}, e.g. 000_aa781de31b5c5cff:2.1.",
                                max_length=300)]
AgencyId = Annotated[str, Path(description="The hash in the agency IRI, e.g. 76edf130b6dd.",
                               pattern=r"^[0-9a-f]{1,64}$")]
ConceptCode = Annotated[str, Path(description="The concept's code, e.g. PM2.5 or steel.",
                                  pattern=r"^[A-Za-z0-9_.\-]{1,50}$")]
RegionCode = Annotated[str, Path(description="Six-digit administrative code, e.g. 370000.", pattern=r"^[0-9]{1,12}$")]
