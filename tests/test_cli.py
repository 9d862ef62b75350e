"""The CLI as a user meets it: help with examples, the entry points, a fetch by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from monitor.cli import cli
from tests.conftest import FIXTURES, LocalServer, send


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield prefix
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


@pytest.mark.parametrize("path", list(all_commands(cli)), ids=lambda p: " ".join(p) or "(top)")
def test_every_command_has_help_ending_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    description = result.output.split("Options:")[0]
    assert "Example:" in description
    assert "policy-monitor " in description.split("Example:")[1]


def test_python_dash_m_and_console_script_agree(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "monitor", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("policy-monitor, version ")


def test_fetch_one_feed_by_hand(tmp_path: Path, server: LocalServer) -> None:
    server.routes["/feed.atom"] = lambda h: send(
        h, (FIXTURES / "feeds" / "extension.atom").read_bytes()
    )
    (tmp_path / "c.toml").write_text("feeds = []\n[fetch]\nparse_workers = 1\n")
    args = ["--config", str(tmp_path / "c.toml"), "--db", str(tmp_path / "m.db")]
    result = CliRunner().invoke(cli, [*args, "fetch", "--feed", server.url("/feed.atom"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "feeds": 1,
        "ok": 1,
        "not_modified": 0,
        "new": 1,
        "duplicates": 0,
        "errors": [],
    }
    listed = json.loads(CliRunner().invoke(cli, [*args, "feeds", "list", "--json"]).output)
    assert [(f["url"], f["origin"], f["error_count"]) for f in listed] == [
        (server.url("/feed.atom"), "cli", 0)
    ]


def test_run_once_imports_seeds_and_polls_configured_feeds(
    tmp_path: Path, server: LocalServer
) -> None:
    server.routes["/feed.rss"] = lambda h: send(
        h, (FIXTURES / "feeds" / "rekognition.rss").read_bytes()
    )
    config = tmp_path / "c.toml"
    config.write_text(f'db = "{tmp_path / "m.db"}"\n[[feeds]]\nurl = "{server.url("/feed.rss")}"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "seeds: 9 new" in result.output
    assert "poll: 1 feeds, 1 ok" in result.output and "3 new articles" in result.output


ROOT = Path(__file__).resolve().parent.parent


def help_examples() -> Iterator[tuple[str, str]]:
    """(command, example line) for every command's help."""
    for path in all_commands(cli):
        description = CliRunner().invoke(cli, [*path, "--help"]).output.split("Options:")[0]
        for line in description.split("Example:")[1].splitlines():
            if "policy-monitor " in line:
                yield " ".join(path) or "(top)", line.strip()


def test_every_example_names_files_a_clone_has() -> None:
    """Relative paths in the examples (not outputs) exist in the repository: a clone can
    run them as they are."""
    missing = []
    for command, example in help_examples():
        words = example.split()
        for before, word in zip(["", *words], words, strict=False):
            relative = "/" in word and not word.startswith(("/", "http", "-", "~"))
            outside_the_clone = word.startswith("..")
            if relative and before != "--out" and (outside_the_clone or not (ROOT / word).exists()):
                missing.append(f"{command}: {word}")
    assert missing == []


def test_the_eval_example_runs_from_a_clone() -> None:
    result = CliRunner().invoke(cli, ["eval", str(ROOT / "tests/fixtures/eval/seeds.jsonl")])
    assert result.exit_code == 0, result.output
    assert "precision" in result.output
