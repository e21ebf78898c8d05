"""First start: fill an empty store from the seed documents, as ``airkg build`` would, saying so on stderr
with a progress bar (the first start of a fresh checkout would otherwise sit silent while it extracts)."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from tqdm import tqdm

from kg.loading import find_documents, ingest_files
from kg.store import Store

log = logging.getLogger(__name__)


def _progress(total: int):
    def wrap(items):
        return tqdm(items, total=total, desc="airkg: extracting", unit="doc", file=sys.stderr,
                    disable=None, mininterval=0.5)
    return wrap


def build_if_empty(store: Store, seeds: Path) -> int:
    """Extract every document in ``seeds`` into ``store`` if it holds no graph yet.

    Returns:
        The number of plans loaded (0 when the store already held graphs).

    Raises:
        DocumentError: A seed cannot be read or extracted; nothing was loaded.
    """
    if store.graph_iris():
        return 0
    started = time.monotonic()
    count = len(find_documents([seeds]).files)
    print(f"airkg: the store is empty; building the graph from {count} documents in {seeds} "
          "(first start only) …", file=sys.stderr, flush=True)
    report = ingest_files(store, [seeds], jobs=max(1, min(os.cpu_count() or 1, 4)), progress=_progress)
    print(f"airkg: built {len(report.plans)} plans in {time.monotonic() - started:.1f} s; serving.",
          file=sys.stderr, flush=True)
    log.info("built the graph from %d documents in %s", len(report.plans), seeds)
    return len(report.plans)
