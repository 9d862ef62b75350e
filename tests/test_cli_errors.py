"""The operator's common mistakes end in one clear line and an exit code: 2 for a usage
or config error, 1 for a runtime failure. Never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from tests.conftest import SEEDS


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def one_line_error(result: Result) -> str:
    """The error output, asserted to be one line and no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def no_feeds(tmp_path: Path) -> Path:
    config = tmp_path / "c.toml"
    config.write_text("feeds = []\n[daemon]\nimport_seeds = false\n", encoding="utf-8")
    return config


@pytest.mark.parametrize(
    "command", [["status"], ["import", str(SEEDS)], ["run", "--once"], ["run"], ["timeline"]]
)
def test_a_file_that_is_not_a_database_is_a_usage_error(
    tmp_path: Path, no_feeds: Path, command: list[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping: milk, eggs\n" * 50, encoding="utf-8")
    result = invoke("--config", str(no_feeds), "--db", str(notes), *command)
    assert result.exit_code == 2
    assert f"{notes} is not an SQLite database" in one_line_error(result)


@pytest.mark.parametrize(
    "command",
    [["import", str(SEEDS / "000_9dcebddac0d98754.txt")], ["run", "--once"], ["run"], ["evaluate"]],
)
def test_a_read_only_database_is_a_runtime_error(
    tmp_path: Path, no_feeds: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "m.db"
    created = invoke(
        "--config",
        str(no_feeds),
        "--db",
        str(db),
        "import",
        str(SEEDS / "002_f21aecca74f41d48.txt"),
    )
    assert created.exit_code == 0, created.output
    real = sqlite3.connect

    def read_only(path: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        return real(f"file:{path}?mode=ro", *args, uri=True, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(sqlite3, "connect", read_only)
    result = invoke("--config", str(no_feeds), "--db", str(db), *command)
    assert result.exit_code == 1
    assert f"cannot write to the database {db}: it is read-only" in one_line_error(result)


def test_a_database_whose_folder_cannot_be_made_is_a_runtime_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file, not a folder", encoding="utf-8")
    result = invoke("--db", str(tmp_path / "data" / "m.db"), "import", str(SEEDS))
    assert result.exit_code == 1
    assert f"cannot create the folder {tmp_path / 'data'} for the database" in one_line_error(
        result
    )


def test_a_database_path_that_is_a_folder_cannot_be_opened(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'feeds = []\ndb = "{tmp_path}"\n', encoding="utf-8")
    result = invoke("--config", str(config), "run", "--once")
    assert result.exit_code == 1
    assert f"cannot open the database {tmp_path}" in one_line_error(result)


@pytest.mark.parametrize(
    "command", [["atom"], ["feeds", "export"], ["digest", "--preview"]], ids=" ".join
)
def test_out_into_a_missing_folder_is_a_usage_error(tmp_path: Path, command: list[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        'feeds = []\n[email]\nhost = "127.0.0.1"\nfrom = "a@example.org"\nto = ["b@example.org"]\n'
        "[delivery]\nmax_age = 0\n",
        encoding="utf-8",
    )
    base = ["--config", str(config), "--db", str(tmp_path / "m.db")]
    assert invoke(*base, "import", str(SEEDS)).exit_code == 0
    assert invoke(*base, "evaluate").exit_code == 0
    out = tmp_path / "www" / "changes.out"
    result = invoke(*base, *command, "--out", str(out))
    assert result.exit_code == 2
    assert f"the folder {tmp_path / 'www'} does not exist" in one_line_error(result)
