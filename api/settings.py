"""The service's one settings object, read from the environment (``AIRKG_…``) or given by ``airkg serve``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.store import DEFAULT_LOCATION


class Settings(BaseSettings):
    """Where the store is and how much one request may ask of it.

    Every field can be set by an environment variable named ``AIRKG_`` + the field in capitals
    (``AIRKG_STORE``, ``AIRKG_QUERY_TIMEOUT``, ``AIRKG_MAX_ROWS`` ...).
    """

    model_config = SettingsConfigDict(env_prefix="AIRKG_", extra="ignore")

    store: str = Field(DEFAULT_LOCATION, description="Store folder or SPARQL endpoint URL.")
    seeds: Path = Field(Path("seeds"), description="Documents loaded on first start when the store is empty.")
    build_if_empty: bool = Field(True, description="Build the graph from `seeds` when the store holds no graph.")
    queries_dir: Path | None = Field(None, description="Folder of saved queries (*.rq); default queries/ of the project.")
    query_timeout: float = Field(10.0, gt=0, description="Seconds a SPARQL query may run.")
    max_rows: int = Field(10_000, gt=0, description="Most rows (or triples) a SPARQL result may hold.")
