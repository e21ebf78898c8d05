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
    max_response_bytes: int = Field(50_000_000, gt=0, description="Most bytes of a SPARQL answer (past it: 413).")
    max_query_length: int = Field(100_000, gt=0, description="Most characters of a query sent to /sparql (413).")
    query_workers: int = Field(2, ge=0, description=(
        "Worker processes running user queries (/sparql, saved queries, the editor); 0 runs them in the "
        "server's own threads, unprotected, which the server refuses unless `unsafe_in_process_queries`."))
    unsafe_in_process_queries: bool = Field(False, description=(
        "Let user queries run in the server's own threads when no worker can run them (query_workers 0, or "
        "an in-memory store): a query that crashes the engine then takes the server down, and one past the "
        "time limit keeps a core busy until it ends. Off: such a server refuses to start."))
    read_copy_max_quads: int = Field(500_000, ge=0, description=(
        "The API's own reads are answered from a copy of the embedded store held in memory while it holds "
        "at most this many quads (about 250 plans; copied again in the background after each write, reads "
        "going to RocksDB meanwhile; 0: never, every read goes to RocksDB)."))
    query_queue: int = Field(4, ge=0, description="User queries that may wait for a worker; past it: 503.")
    query_memory_mb: int = Field(2048, ge=0, description="Address space of a query worker in MiB (0: no limit).")
