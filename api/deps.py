"""Typed dependencies the routes name: the open store, the settings and the page templates."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import BeforeValidator, Field
from fastapi.templating import Jinja2Templates

from api.settings import Settings
from kg.store import Store


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_user_store(request: Request) -> Store:
    """The store for queries a user writes: its ``query`` runs in the worker processes (kg.query_pool)."""
    return getattr(request.app.state, "user_store", None) or request.app.state.store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


StoreDep = Annotated[Store, Depends(get_store)]
UserStoreDep = Annotated[Store, Depends(get_user_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
#: A page of a list: at most this many items (count, in the answer, is the total)...
PageLimit = Annotated[int, Query(ge=1, le=1000, description="Page size (at most 1000).")]
#: ...after skipping this many.
PageOffset = Annotated[int, Query(ge=0, le=1_000_000, description="Items skipped before the page.")]


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day_as_written(value: object) -> object:
    """Only ``YYYY-MM-DD``: pydantic alone reads ``0`` or ``-5e-210`` as a Unix time (1970-01-01)."""
    if isinstance(value, str) and not _DAY.fullmatch(value):
        raise ValueError(f"not a day: {value[:40]!r}; use YYYY-MM-DD")
    return value


#: A day, written YYYY-MM-DD from year 0001 (as the schema says).
Day = Annotated[dt.date, BeforeValidator(_day_as_written),
                Field(json_schema_extra={"pattern": "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-"})]
