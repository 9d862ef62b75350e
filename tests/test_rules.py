"""Rule files are data with their own examples; they are linted and their examples run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor import resources
from monitor.cli import cli
from monitor.rules import RuleFileError, load_rules
from monitor.ruletest import run_rule_tests


def test_bundled_rule_examples_all_pass() -> None:
    report = run_rule_tests(load_rules([resources.rules_dir()]))
    assert report.failures == []
    assert report.passed >= 40


def test_rules_test_command_passes() -> None:
    result = CliRunner().invoke(cli, ["rules", "test"])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


def test_every_trigger_and_cue_carries_examples() -> None:
    rules = load_rules([resources.rules_dir()])
    for rule in [*rules.triggers, *rules.cues]:
        assert rule.examples.match and rule.examples.no_match, rule.id


MINIMAL = """
id: {file_id}
triggers:
  - id: {rule_id}
    change: imposed
    patterns: ['{pattern}']
    examples:
      match: [The town banned it.]
      no_match: [The town likes it.]
"""


def write(folder: Path, name: str, **values: str) -> Path:
    path = folder / name
    path.write_text(MINIMAL.format(**values), encoding="utf-8")
    return path


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", file_id="a", rule_id="same", pattern="banned")
    write(tmp_path, "b.yaml", file_id="b", rule_id="same", pattern="banned")
    with pytest.raises(RuleFileError, match="duplicate id 'same'"):
        load_rules([tmp_path])


def test_a_pattern_that_does_not_compile_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", file_id="a", rule_id="r", pattern="(banned")
    with pytest.raises(RuleFileError, match=r"a\.yaml: triggers\.0\.patterns"):
        load_rules([tmp_path])


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("id: a\nbogus: 1\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="bogus"):
        load_rules([tmp_path])


def test_missing_examples_fail_lint(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "id: a\ntriggers:\n  - id: r\n    change: imposed\n    patterns: [banned]\n"
        "    examples: {match: [The town banned it.]}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError, match="no `no_match` examples"):
        load_rules([tmp_path])


def test_keywords_that_miss_an_example_fail_lint(tmp_path: Path) -> None:
    """The prefilter looks for keywords first: one missing from an example would hide it."""
    (tmp_path / "a.yaml").write_text(
        "id: a\ntriggers:\n  - id: r\n    change: imposed\n    keywords: [prohibit]\n"
        "    patterns: [banned]\n"
        "    examples: {match: [The town banned it.], no_match: [The town likes it.]}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError, match=r"keywords miss the example 'The town banned it\.'"):
        load_rules([tmp_path])
