"""Ingest against the host's limits (issue 13, findings 6, 7 and 12): plans whose text is longer than
pyoxigraph's 16 MiB parser buffer, a full disk and other I/O errors during a load, spool folders on every
exit, a second writer, plan ids over 100 characters and file names that hold a line break.

Each failure must end with one line, exit status 2 and a store that readers and writers open exactly as it
was. The disk is filled for real on a small tmpfs when this process may mount one (root), and by injected
``OSError(ENOSPC)`` at each write point otherwise (and always).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import kg.store
from kg.errors import DocumentError, StoreError
from kg.loading import SPOOL_PREFIX, ingest_files, printable, remove_plan, sweep_spools
from kg.source_spans import parse_span
from kg.store import BULK_JOURNAL, OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_aa781de31b5c5cff.txt"
OTHER = ROOT / "seeds" / "003_922dca89c0e37589.txt"
DOCUMENT = "https://airkg.example.org/id/document/"


def content(store: Path) -> tuple[int, str]:
    """Quad count and a hash of the sorted quads (blank node labels masked), read through a read-only open
    (which refuses a store whose load was cut short)."""
    with OxigraphStore(store, read_only=True) as opened:
        lines = opened.export("nquads").decode("utf-8").splitlines()
    masked = sorted(" ".join("_:b" if term.startswith("_:") else term for term in line.split(" ")) for line in lines)
    return len(lines), hashlib.sha256("\n".join(masked).encode("utf-8")).hexdigest()


def run_airkg(*args: str | Path, prelude: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    """``airkg ARGS`` in a subprocess, after ``prelude`` (Python run first, e.g. to inject a fault)."""
    script = f"import sys\n{prelude}\nfrom kg.cli import main\nsys.argv = ['airkg', *sys.argv[1:]]\nmain()\n"
    return subprocess.run([sys.executable, "-c", script, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})


def messages(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in done.stderr.replace("\r", "\n").splitlines() if line.startswith("airkg:")]


def spans_are_exact(store: OxigraphStore, plan_id: str) -> int:
    rows = store.query(
        "SELECT ?span ?x ?t WHERE { ?m airkg:source ?span ; airkg:text ?x . "
        f"<{DOCUMENT}{plan_id}> airkg:fullText ?t . FILTER(STRSTARTS(STR(?span), \"{DOCUMENT}{plan_id}#\")) }}").rows
    assert rows
    for row in rows:
        span = parse_span(row["span"])
        assert str(row["t"])[span.start:span.end] == str(row["x"])
    return len(rows)


@pytest.fixture()
def seeded(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    with OxigraphStore(store) as opened:
        ingest_files(opened, [SEED])
    return store


# --------------------------------------------------------------------------- 6: long literals


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "transaction"])
def test_lines_past_the_parser_buffer_are_loaded_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       bulk: bool) -> None:
    """With the long-line threshold lowered to 2 KB, every plan's full text (and its longest spans) take the
    path a 17 MB text takes; replacing the plan also reloads them from the journal's side."""
    monkeypatch.setattr(kg.store.nquads, "LONG_LINE", 2048)
    store = tmp_path / "store"
    with OxigraphStore(store) as opened:
        ingest_files(opened, [SEED, OTHER], bulk=bulk)
        ingest_files(opened, [SEED], bulk=bulk)  # replaced
        text = opened.query(f"SELECT ?t WHERE {{ <{DOCUMENT}000_aa781de31b5c5cff> airkg:fullText ?t }}").rows
        assert str(text[0]["t"]) == SEED.read_text(encoding="utf-8").replace("\r\n", "\n") or len(str(text[0]["t"])) > 2048
        spans_are_exact(opened, "000_aa781de31b5c5cff")
        spans_are_exact(opened, "003_922dca89c0e37589")


def test_a_plan_of_17_mb_is_loaded_with_exact_spans(tmp_path: Path) -> None:
    """A valid 17.5 MB plan (its full text and its last measure over 16 MiB each): loaded, replaced, exact."""
    text = SEED.read_text(encoding="utf-8")
    line = "加强工业企业挥发性有机物综合治理，推进重点行业深度治理和清洁生产改造工作。" * 20 + "\n"
    big = tmp_path / "big_plan.txt"
    big.write_text(text + line * ((17_500_000 - len(text.encode())) // len(line.encode())), encoding="utf-8")
    store = tmp_path / "store"
    done = run_airkg("ingest", big, "--store", store)
    assert done.returncode == 0, done.stderr[-2000:]
    done = run_airkg("ingest", big, "--store", store)  # replaces it: the journal holds the long lines
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1 replaced" in done.stdout
    with OxigraphStore(store, read_only=True) as opened:
        length = opened.query(f"SELECT (STRLEN(?t) AS ?n) WHERE {{ <{DOCUMENT}big_plan> airkg:fullText ?t }}").rows
        assert int(length[0]["n"]) > 5_800_000
        spans_are_exact(opened, "big_plan")


# --------------------------------------------------------------------------- 7: disk full, I/O errors

FAIL_HALF_WAY = """
import errno, sys, pyoxigraph, kg.store
_real = kg.store.journal._bulk_load_nquads
def half_then_full(db, source, lenient=False):
    if sys._getframe(1).f_code.co_name != "_bulk_replace":  # another user of the helper (kg/relations)
        return _real(db, source, lenient=lenient)
    lines = open(source, "rb").read().splitlines(keepends=True)
    db.bulk_load(input=b"".join(lines[: len(lines) // 2]), format=pyoxigraph.RdfFormat.N_QUADS)
    raise OSError(errno.ENOSPC, "IO error: No space left on device: While appending to file: 000042.sst")
kg.store.journal._bulk_load_nquads = half_then_full
"""

FAIL_JOURNAL = """
import errno, json, types, kg.store
def full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")
kg.store.journal.json = types.SimpleNamespace(dumps=full, loads=json.loads)
"""


@pytest.mark.parametrize("fault,needle", [
    (FAIL_HALF_WAY, "loading into"),
    (FAIL_JOURNAL, "writing the bulk load's journal"),
], ids=["mid-load", "journal"])
def test_a_full_disk_during_a_load_leaves_the_store_as_it_was(seeded: Path, fault: str, needle: str) -> None:
    before = content(seeded)
    done = run_airkg("ingest", OTHER, SEED, "--store", seeded, prelude=fault)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    [message] = messages(done)
    assert needle in message and "disk is full" in message and "nothing was changed" in message, message
    assert not any(path.name.startswith(BULK_JOURNAL) for path in seeded.iterdir())
    assert content(seeded) == before  # a reader opens it, as it was
    with OxigraphStore(seeded) as writer:  # and a writer
        ingest_files(writer, [OTHER])


def test_an_error_of_any_kind_during_a_bulk_load_is_undone(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = content(seeded)

    real = kg.store.journal._bulk_load_nquads

    def broken(db, source, lenient=False):  # noqa: ANN001
        if sys._getframe(1).f_code.co_name != "_bulk_replace":  # another user of the helper (kg/relations)
            return real(db, source, lenient=lenient)
        raise MemoryError("Reached the buffer maximal size of 16777216")

    monkeypatch.setattr(kg.store.journal, "_bulk_load_nquads", broken)
    with OxigraphStore(seeded) as opened, pytest.raises(StoreError, match="nothing was changed"):
        ingest_files(opened, [OTHER])
    assert content(seeded) == before


def test_a_crash_while_restoring_is_finished_by_the_next_writer(seeded: Path, tmp_path: Path) -> None:
    """Killed after the failed files were set aside and before the checkpoint's were moved in."""
    before = content(seeded)
    crash = FAIL_HALF_WAY + """
import os
_move = kg.store.journal._swap_in_checkpoint
def swap(folder, journal):
    discard = journal / "discard"; discard.mkdir()
    for entry in folder.iterdir():
        if not entry.name.startswith(kg.store.BULK_JOURNAL):
            entry.rename(discard / entry.name)
    (journal / "restoring").touch()
    os._exit(9)
kg.store.journal._swap_in_checkpoint = swap
"""
    done = run_airkg("ingest", OTHER, "--store", seeded, prelude=crash)
    assert done.returncode == 9, done.stderr[-2000:]
    with pytest.raises(StoreError, match="interrupted"):
        OxigraphStore(seeded, read_only=True)
    OxigraphStore(seeded).close()  # a writer finishes the restore
    assert content(seeded) == before


def _tmpfs(folder: Path, megabytes: int) -> bool:
    folder.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
                          capture_output=True)
    return done.returncode == 0


def test_a_really_full_disk(tmp_path: Path) -> None:
    """On a 12 MB tmpfs: a store of one plan, the disk then filled to a few MB, and the seeds loaded. The
    free-space check refuses first; with it lowered, RocksDB's own ENOSPC is met and undone by renames."""
    disk = tmp_path / "disk"
    if not _tmpfs(disk, 12):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        store = disk / "store"
        no_check = "import kg.store\nkg.store.journal.SPACE_PER_NQUADS_BYTE = 0.0\nkg.store.journal.SPACE_MARGIN = 0\n"
        done = run_airkg("ingest", SEED, "--store", store, "--jobs", "1", prelude=no_check)
        assert done.returncode == 0, done.stderr[-2000:]
        before = content(store)
        free = shutil.disk_usage(disk).free
        (disk / "ballast").write_bytes(b"\0" * max(0, free - 3 * 1024 * 1024))
        seeds = sorted((ROOT / "seeds").glob("*.txt"))
        done = run_airkg("ingest", *seeds, "--store", store, "--jobs", "1")
        assert done.returncode == 2 and "not enough disk space" in messages(done)[0], done.stderr[-2000:]
        done = run_airkg("ingest", *seeds, "--store", store, "--jobs", "1", prelude=no_check)
        assert done.returncode == 2, done.stderr[-2000:]
        [message] = messages(done)
        assert "disk is full" in message and "nothing was changed" in message, message
        assert content(store) == before
        assert shutil.disk_usage(disk).free > 2 * 1024 * 1024  # what the failed load wrote is gone
        done = run_airkg("ingest", *seeds, "--store", store, "--jobs", "1", "--no-bulk", prelude=no_check)
        assert done.returncode == 2, done.stderr[-2000:]
        [message] = messages(done)
        assert "disk is full" in message and "nothing was written" in message, message
        assert len([line for line in done.stderr.replace("\r", "\n").splitlines()
                    if line.strip() and "extracting" not in line]) == 1, done.stderr
        assert content(store) == before
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_a_full_spool_disk_is_one_line(seeded: Path) -> None:
    before = content(seeded)
    fault = """
import errno, kg.loading
def full(self, data):
    raise kg.loading._spool_error(self.folder, OSError(errno.ENOSPC, "No space left on device"))
kg.loading._Spool._write = full
"""
    done = run_airkg("ingest", OTHER, "--store", seeded, "--jobs", "1", prelude=fault)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    [message] = messages(done)
    assert "spooling the plans" in message and "disk is full" in message
    assert content(seeded) == before


# --------------------------------------------------------------------------- spool folders


def test_spool_folders_of_dead_processes_are_swept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"{SPOOL_PREFIX}{dead.stdout.strip()}-abc"
    stale.mkdir()
    (stale / "plans.nq").write_bytes(b"x" * 1000)
    mine = tmp_path / f"{SPOOL_PREFIX}{os.getpid()}-def"
    mine.mkdir()
    other = tmp_path / "airkg-spool-notapid"
    other.mkdir()
    assert sweep_spools(tmp_path) == [stale]
    assert not stale.exists() and mine.exists() and other.exists()


def test_sigterm_during_a_load_removes_the_spool_and_undoes_the_load(seeded: Path, tmp_path: Path) -> None:
    before = content(seeded)
    spools = tmp_path / "tmp"
    spools.mkdir()
    slow = """
import sys, time, kg.store
_real = kg.store.journal._bulk_load_nquads
def slow(db, source, lenient=False):
    _real(db, source, lenient=lenient)
    if sys._getframe(1).f_code.co_name != "_bulk_replace":
        return
    print("LOADED", file=sys.stderr, flush=True)
    time.sleep(60)
kg.store.journal._bulk_load_nquads = slow
"""
    script = f"import sys\n{slow}\nfrom kg.cli import main\nsys.argv = ['airkg', *sys.argv[1:]]\nmain()\n"
    process = subprocess.Popen([sys.executable, "-c", script, "ingest", str(OTHER), "--store", str(seeded)],
                               cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               env={**os.environ, "TMPDIR": str(spools)})
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + 120
    while b"LOADED" not in seen and time.monotonic() < deadline:
        chunk = os.read(process.stderr.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    assert b"LOADED" in seen, seen.decode(errors="replace")[-2000:]
    assert list(spools.glob(f"{SPOOL_PREFIX}{process.pid}-*"))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert not list(spools.glob(f"{SPOOL_PREFIX}*"))
    assert content(seeded) == before


# --------------------------------------------------------------------------- 12: small ones


def test_a_second_writer_is_told_who_holds_the_store(seeded: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", f"import pyoxigraph, sys, time\ns = pyoxigraph.Store({str(seeded)!r})\n"
                               "print('OPEN', flush=True)\ntime.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "OPEN"
        done = run_airkg("ingest", OTHER, "--store", seeded)
        assert done.returncode == 2
        [message] = messages(done)
        assert message == (f"airkg: store unavailable: the store at {seeded} is being written by another process "
                           f"(pid {holder.pid}?); stop it or open the store read-only (airkg query, airkg sparql)")
    finally:
        holder.kill()
        holder.wait()


def test_plan_ids_over_100_characters_are_refused_at_ingest(tmp_path: Path, seeded: Path) -> None:
    before = content(seeded)
    long_name = tmp_path / ("a" * 101 + ".txt")
    shutil.copy(SEED, long_name)
    done = run_airkg("ingest", long_name, "--store", seeded)
    assert done.returncode == 2
    [message] = messages(done)
    assert "(101 characters), which is not usable" in message and "at most 100" in message
    done = run_airkg("ingest", SEED, "--id", "b" * 101, "--store", seeded)
    assert done.returncode == 2 and "(101 characters)" in messages(done)[0]
    assert content(seeded) == before
    hundred = tmp_path / ("c" * 100 + ".txt")  # the longest id is fine, and removable
    shutil.copy(SEED, hundred)
    assert run_airkg("ingest", hundred, "--store", seeded).returncode == 0
    assert run_airkg("remove", "c" * 100, "--store", seeded).returncode == 0
    with OxigraphStore(seeded, read_only=True) as opened:
        assert not [iri for iri in opened.graph_iris() if "c" * 100 in iri]


def test_a_line_break_in_a_file_name_does_not_split_the_summary(tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    folder.mkdir()
    shutil.copy(SEED, folder / "evil\nadded fake  fake.txt: 假的.txt")
    (folder / "notes\nskipped x.md").write_text("x")
    done = run_airkg("ingest", folder, "--store", tmp_path / "store", "--jobs", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith("added p-") and "evil\\nadded fake" in lines[0]
    assert lines[1].startswith("skipped ") and "notes\\nskipped x.md" in lines[1]
    assert printable("a\tb\x1bc\u2028") == "a\\tb\\x1bc\\u2028"


@pytest.mark.parametrize("seed", range(4))
def test_long_lines_are_set_aside_wherever_they_fall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     seed: int) -> None:
    """Lines of every length around the threshold, across the reader's 1 MiB blocks, the last one without its
    line end: parsed and bulk loaded in pieces, the same quads as pyoxigraph reads from the whole file."""
    import random

    import pyoxigraph as ox

    monkeypatch.setattr(kg.store.nquads, "LONG_LINE", 260)  # a line of 200 characters of 汉 is 600+ bytes
    rnd = random.Random(seed)
    lines = []
    for index in range(3000):
        size = rnd.choice([1, 50, 190, 199, 200, 201, 2000, 20_000])
        lines.append(f'<http://e/s{index}> <http://e/p> "{"汉x"[index % 2] * size}" <http://e/g{index % 3}> .')
    data = ("\n".join(lines) + ("\n" if seed % 2 else "")).encode("utf-8")
    source = tmp_path / "quads.nq"
    source.write_bytes(data)
    expected = set(ox.parse(data, format=ox.RdfFormat.N_QUADS)) if len(data) < 16_000_000 else None
    parsed = list(kg.store._parse_nquads(source))
    assert len(parsed) == len(lines)
    if expected is not None:
        assert set(parsed) == expected
    store = ox.Store()
    kg.store._bulk_load_nquads(store, source)
    assert set(store) == set(parsed)
