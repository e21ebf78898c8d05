"""Failures in one line: an OS error's reason (a full disk said so), and why RocksDB would not open a
folder (which process holds its lock)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from kg.errors import AirkgError

def _os_reason(exc: OSError) -> str:
    """An OS error in a few words: 'the disk is full (No space left on device)', else its message."""
    text = str(exc)
    if exc.errno == errno.ENOSPC or "No space left" in text:
        return "the disk is full: No space left on device"
    if exc.errno == errno.EDQUOT or "quota exceeded" in text.lower():
        return "the disk quota is exceeded"
    return " ".join((exc.strerror or text).split())[:200]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return _os_reason(exc)
    if isinstance(exc, AirkgError):
        return exc.detail
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:200]


def _open_error(path: Path | None, exc: OSError) -> str:
    """One line on why RocksDB would not open ``path``: held by another writer (which process, when the
    kernel's lock table says), or the OS's reason."""
    text = str(exc)
    if "hold by current process" in text and path is not None:
        return f"cannot open the store at {path}: it is already open for writing in this process (pid {os.getpid()})"
    if "lock" in text.lower() and path is not None:
        holder = _lock_holder(path / "LOCK")
        who = (f"pid {holder}" if holder is not None and holder != os.getpid()
               else f"this process, pid {holder}" if holder is not None else "pid unknown")
        return (f"the store at {path} is being written by another process ({who}?); stop it or open the store "
                "read-only (airkg query, airkg sparql)")
    return f"cannot open the store in {path}: {_os_reason(exc)}"


def _lock_holder(lock_file: Path) -> int | None:
    """The process holding a POSIX lock on ``lock_file``, from /proc/locks (Linux); None if not known."""
    try:
        inode = lock_file.stat().st_ino
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            for line in locks:
                fields = line.split()
                if len(fields) > 5 and fields[1] in ("POSIX", "OFDLCK", "FLOCK") and fields[5].endswith(f":{inode}"):
                    return int(fields[4]) if fields[4].isdigit() and fields[4] != "-1" else None
    except (OSError, ValueError):
        return None
    return None
