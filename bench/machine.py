"""What a benchmark ran on, and how much of it a process used: wall and CPU time, peak memory, disk.

>>> sorted(machine())[:3]
['cpu_model', 'cpus', 'date']
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

PACKAGES = ("pyoxigraph", "rdflib", "pydantic", "fastapi", "uvicorn")


def machine() -> dict[str, Any]:
    """nproc, CPU model, memory, Python and package versions, date, load average now."""
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "memory_gib": round(_meminfo("MemTotal") / 2**20, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "packages": {name: _version(name) for name in PACKAGES},
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_average": load_average(),
    }


def load_average() -> list[float]:
    """1, 5 and 15-minute load averages: other work on the machine skews every timing."""
    return [round(x, 2) for x in os.getloadavg()]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _meminfo(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _version(name: str) -> str | None:
    try:
        return version(name)
    except Exception:  # noqa: BLE001 - a missing package is just not reported
        return None


def peak_memory() -> dict[str, float]:
    """Peak resident memory (MiB) of this process (VmHWM) and of its largest finished child."""
    status = Path("/proc/self/status").read_text()
    hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"self_mib": round(hwm / 1024, 1), "largest_child_mib": round(children / 1024, 1)}


def cpu_seconds() -> float:
    """CPU time of this process and its finished children, user + system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def timed(into: dict[str, Any], key: str) -> Iterator[None]:
    """Record wall seconds (``key``) and CPU seconds with children (``key_cpu``) of the block."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    yield
    into[key] = round(time.perf_counter() - wall, 3)
    into[f"{key}_cpu"] = round(cpu_seconds() - cpu, 3)


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 20 runs is the 19th smallest)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-int(fraction * 1000) * len(ordered) // 1000)))
    return ordered[rank - 1]


def latencies(run: Callable[[], Any], repeat: int, budget_s: float | None = None) -> dict[str, Any]:
    """Run ``run`` ``repeat`` times (fewer if ``budget_s`` runs out after the first); milliseconds."""
    times: list[float] = []
    started = time.perf_counter()
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - t) * 1000)
        if budget_s is not None and time.perf_counter() - started > budget_s:
            break
    return {"runs": len(times), "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 0.95), 2), "max_ms": round(max(times), 2), "result": result}
