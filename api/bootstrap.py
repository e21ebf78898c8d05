"""First start: fill an empty store from the seed documents, as ``airkg build`` would."""

from __future__ import annotations

import logging
from pathlib import Path

from kg.loading import ingest_files
from kg.store import Store

log = logging.getLogger(__name__)


def build_if_empty(store: Store, seeds: Path) -> int:
    """Extract every document in ``seeds`` into ``store`` if it holds no graph yet.

    Returns:
        The number of plans loaded (0 when the store already held graphs).

    Raises:
        DocumentError: A seed cannot be read or extracted; nothing was loaded.
    """
    if store.graph_iris():
        return 0
    report = ingest_files(store, [seeds])
    log.info("built the graph from %d documents in %s", len(report.plans), seeds)
    return len(report.plans)
