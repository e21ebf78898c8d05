"""An ingest is all or nothing, even when the process is killed with SIGKILL while it writes.

``airkg ingest`` runs in a subprocess on a folder of plans, over a store that already holds two plans, once
with each write path: one transaction (``--no-bulk``) and the journaled bulk loader (``--bulk``). A wrapper
around the real command prints ``WRITING`` when the store's write starts and ``WRITTEN`` when it returns
(nothing else is changed). One complete run measures how long the write takes and what the store holds
afterwards; then runs are killed with SIGKILL at points spread over that write. After each kill the store
must open and hold exactly what it held before, or exactly what the complete run left: never a mixture.
(pyoxigraph applies the transaction's SPARQL update in one RocksDB transaction, and RocksDB recovers a torn
write-ahead log to the last committed transaction; a bulk load cut short is rolled back from its journal
when the store is next opened for writing.)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.errors import StoreError
from kg.loading import ingest_files
from kg.store import BULK_JOURNAL, OxigraphStore

ROOT = Path(__file__).resolve().parent.parent

WRAPPER = """
import sys
import kg.store

def marked(original):
    def write(*args, **kwargs):
        print("WRITING", file=sys.stderr, flush=True)
        original(*args, **kwargs)
        print("WRITTEN", file=sys.stderr, flush=True)
    return write

kg.store.OxigraphStore._replace_quads = marked(kg.store.OxigraphStore._replace_quads)
kg.store.OxigraphStore._bulk_replace = marked(kg.store.OxigraphStore._bulk_replace)
from kg.cli import main
sys.argv = ["airkg", *sys.argv[1:]]
main()
"""


def content(store: Path) -> tuple[int, str]:
    """Quad count and a hash of the sorted quads (blank node labels masked): equal iff the stores are."""
    with OxigraphStore(store) as opened:
        lines = opened.export("nquads").decode("utf-8").splitlines()
    masked = sorted(" ".join("_:b" if term.startswith("_:") else term for term in line.split(" ")) for line in lines)
    return len(lines), hashlib.sha256("\n".join(masked).encode("utf-8")).hexdigest()


class Ingest:
    """``airkg ingest`` in a subprocess (its own process group), read as it prints."""

    def __init__(self, script: Path, folder: Path, store: Path, mode: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(script), "ingest", str(folder), "--store", str(store), "--jobs", "2", mode],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        self.seen = b""

    def wait_for(self, marker: str) -> float:
        """Block until stderr shows ``marker`` (the progress bar prints no newline, so read bytes)."""
        assert self.process.stderr is not None
        while marker.encode() not in self.seen:
            chunk = os.read(self.process.stderr.fileno(), 4096)
            if not chunk:
                raise AssertionError(f"the ingest ended (status {self.process.wait()}) before printing {marker}: "
                                     f"{self.seen.decode(errors='replace')[-500:]}")
            self.seen += chunk
        self.seen = self.seen.split(marker.encode(), 1)[1]
        return time.monotonic()

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)


@pytest.fixture(scope="module", params=["--no-bulk", "--bulk"])
def setting(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    mode = request.param
    work = tmp_path_factory.mktemp("atomic")
    script = work / "ingest_with_markers.py"
    script.write_text(WRAPPER, encoding="utf-8")
    folder = work / "plans"
    folder.mkdir()
    for source in sorted((ROOT / "tests" / "documents").glob("*.txt")):
        shutil.copy(source, folder / source.name)
    for source in sorted((ROOT / "seeds").glob("*.txt"))[:3]:
        shutil.copy(source, folder / f"copy_{source.name}")  # new plans beside the ones replaced
    shutil.copy(ROOT / "seeds" / "000_aa781de31b5c5cff.txt", folder)  # replaces a plan already in the store
    base = work / "base"
    with OxigraphStore(base) as store:
        ingest_files(store, [ROOT / "seeds" / "000_aa781de31b5c5cff.txt", ROOT / "seeds" / "003_922dca89c0e37589.txt"])
    complete = work / "complete"
    shutil.copytree(base, complete)
    run = Ingest(script, folder, complete, mode)
    started = run.wait_for("WRITING")
    written = run.wait_for("WRITTEN")
    assert run.process.wait(timeout=300) == 0
    return {"script": script, "folder": folder, "base": base, "before": content(base), "after": content(complete),
            "write_seconds": written - started, "work": work, "mode": mode}


@pytest.mark.slow
def test_sigkill_during_the_write_leaves_the_old_or_the_new_store(setting: dict) -> None:
    assert setting["before"] != setting["after"]
    outcomes = []
    for index, fraction in enumerate((0.0, 0.3, 0.6, 0.9)):
        store = setting["work"] / f"killed-{index}"
        shutil.copytree(setting["base"], store)
        run = Ingest(setting["script"], setting["folder"], store, setting["mode"])
        run.wait_for("WRITING")
        time.sleep(fraction * setting["write_seconds"])
        run.kill()
        state = content(store)  # the store opens after the kill
        assert state in (setting["before"], setting["after"]), f"killed at {fraction:.0%} of the write: a mixture"
        outcomes.append("before" if state == setting["before"] else "after")
    assert "before" in outcomes, f"no kill landed before the commit ({outcomes}); the write was too quick to test"


@pytest.mark.slow
def test_sigkill_during_extraction_leaves_the_store_as_it_was(setting: dict) -> None:
    store = setting["work"] / "killed-extracting"
    shutil.copytree(setting["base"], store)
    run = Ingest(setting["script"], setting["folder"], store, setting["mode"])
    run.wait_for("extracting")  # the progress bar has started
    run.kill()
    assert content(store) == setting["before"]


def test_a_batch_with_a_bad_file_writes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with OxigraphStore(store) as opened:
        ingest_files(opened, [ROOT / "tests" / "documents" / "layout_table.txt"])
    before = content(store)
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "documents" / "layout_duty_lines.txt", folder)
    (folder / "truncated.txt").write_bytes("一、总体要求".encode("utf-8") * 10 + "二".encode("utf-8")[:2])
    from kg.errors import DocumentError

    with OxigraphStore(store) as opened, pytest.raises(DocumentError, match="truncated.txt: UTF-8 text cut off"):
        ingest_files(opened, [folder])
    assert content(store) == before


CRASH_AFTER_BULK_LOAD = """
import os
import sys
from pathlib import Path
import kg.store
from kg.loading import ingest_files

def crash(self, wanted, before):  # the plans are loaded, the journal not yet deleted: die like a power cut
    os._exit(9)

kg.store.OxigraphStore._check_bulk_loaded = crash
ingest_files(kg.store.OxigraphStore(sys.argv[1]), [Path(p) for p in sys.argv[2:]], bulk=True)
"""


def test_a_bulk_load_cut_short_is_rolled_back_when_the_store_is_next_opened(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with OxigraphStore(store) as opened:
        ingest_files(opened, [ROOT / "seeds" / "000_aa781de31b5c5cff.txt"])
    before = content(store)
    script = tmp_path / "crash.py"
    script.write_text(CRASH_AFTER_BULK_LOAD, encoding="utf-8")
    seeds = sorted(str(p) for p in (ROOT / "seeds").glob("*.txt"))  # replaces 000, adds the others
    done = subprocess.run([sys.executable, str(script), str(store), *seeds], cwd=ROOT, capture_output=True)
    assert done.returncode == 9, done.stderr.decode()[-2000:]
    assert (store / BULK_JOURNAL).is_dir()
    with pytest.raises(StoreError, match="bulk load that was interrupted"):
        OxigraphStore(store, read_only=True)  # a reader cannot roll back, so it refuses to show a half-load
    assert content(store) == before  # opened for writing: rolled back
    assert not (store / BULK_JOURNAL).exists()
