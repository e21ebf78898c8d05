"""Typed dependencies the routes name: the open store, the settings and the page templates."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
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
