"""SQLite's errors in words for the operator: which file, what is wrong, what to check.

A mistyped --db, a read-only file or folder and a file that is not a database are the
common mistakes; each becomes one line and an exit code instead of a traceback."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

# Exit codes (the README's table): 1 a runtime failure, 2 a usage or config error.
RUNTIME = 1
USAGE = 2


@dataclass(frozen=True, slots=True)
class DatabaseProblem:
    message: str
    exit_code: int


class DatabaseUnusable(Exception):
    """The database cannot be opened, created or written; `problem` says why."""

    def __init__(self, problem: DatabaseProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def describe_sqlite_error(path: Path, exc: sqlite3.Error) -> DatabaseProblem:
    """One line naming the file and the likely cause, and the exit code it deserves."""
    text = str(exc)
    if "not a database" in text:
        return DatabaseProblem(
            f"{path} is not an SQLite database (check --db or the config's `db`)", USAGE
        )
    if "readonly database" in text:
        return DatabaseProblem(
            f"cannot write to the database {path}: it is read-only"
            " (the file and its folder must be writable)",
            RUNTIME,
        )
    if "unable to open database file" in text:
        return DatabaseProblem(
            f"cannot open the database {path}"
            " (is it a folder, or is its folder missing or not writable?)",
            RUNTIME,
        )
    if "database is locked" in text:
        return DatabaseProblem(
            f"the database {path} stayed locked by another process; try again", RUNTIME
        )
    return DatabaseProblem(f"database {path}: {text}", RUNTIME)


def describe_folder_error(path: Path, exc: OSError) -> DatabaseProblem:
    """The database's folder could not be created."""
    reason = exc.strerror or str(exc)
    return DatabaseProblem(
        f"cannot create the folder {path.parent} for the database: {reason}", RUNTIME
    )
