"""First start: fill an empty store from the seed documents, as ``airkg build`` would."""

from __future__ import annotations

import logging
from pathlib import Path

from kg.loading import documents_in, extract_files, graphs_to_load
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
    plans = extract_files(documents_in([seeds]))
    store.replace_graphs(graphs_to_load(plans))
    log.info("built the graph from %d documents in %s", len(plans), seeds)
    return len(plans)
