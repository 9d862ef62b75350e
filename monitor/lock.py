"""One monitor per database: `run` holds an exclusive lock on a file beside the database.

flock(2), not a pid file: the kernel releases the lock when the process dies, however it
dies (kill -9, a crash, a power cut), so a stale lock never keeps the next start out.
The file holds the holder's pid, only so the refusal can name it."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor.store import DatabaseUnusable
from monitor.store.errors import describe_folder_error


class AlreadyRunning(Exception):
    """Another process holds the database's lock."""

    def __init__(self, db: Path, pid: int | None) -> None:
        holder = f"pid {pid}" if pid is not None else "pid unknown"
        super().__init__(f"policy-monitor is already running on {db} ({holder})")
        self.pid = pid


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


@contextmanager
def exclusive(db: Path) -> Iterator[None]:
    """Hold the database's lock for the duration, or raise AlreadyRunning at once."""
    path = lock_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnusable(describe_folder_error(db, exc)) from None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_pid(fd)
        os.close(fd)
        raise AlreadyRunning(db, holder) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        # The file stays: unlinking it would let a third process lock a new inode while a
        # second still waits on the old one.
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
