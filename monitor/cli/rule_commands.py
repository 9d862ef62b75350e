"""The engine by hand: extract, eval, rules test and lint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from monitor.cli.app import AppContext, BadInput, _emit, cli, pass_app
from monitor.engine import Engine
from monitor.evaluation import score
from monitor.parse import parse_date
from monitor.ruletest import run_rule_tests


def _read_jsonl(path: Path) -> list[tuple[dict[str, Any] | None, str | None]]:
    """Each line as (record, None) or (None, error)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {path}: {exc}") from None
    rows: list[tuple[dict[str, Any] | None, str | None]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((None, f"line {number}: not JSON: {exc}"))
            continue
        if not isinstance(record, dict):
            rows.append((None, f"line {number}: not a JSON object"))
            continue
        rows.append((record, None))
    return rows


def _extract_record(engine: Engine, record: dict[str, Any]) -> dict[str, Any]:
    # An undated article is still read; its events have no effective date.
    published = parse_date(record.get("published"))
    result = engine.extract(
        str(record.get("title") or ""),
        str(record.get("text") or ""),
        published.date() if published else None,
    )
    return {
        "id": record.get("id"),
        "events": [e.as_json() for e in result.events],
        "background": [e.as_json() for e in result.background],
    }


@cli.command("extract")
@click.argument("jsonl", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@pass_app
def extract_command(app: AppContext, jsonl: Path) -> None:
    """Find status changes in articles: one JSON line out per article in. No database,
    no network.

    Each input line has `id`, `published` (YYYY-MM-DD or ISO; an article without one is
    still read, its events with no effective date), `title`, `text`. Each output line is
    {"id", "events": [...], "background": [...]}; `events` holds only changes that are
    news as of the article's date.

    \b
    Example:
      policy-monitor extract tests/fixtures/eval/seeds.jsonl
    """
    engine = app.engine()
    for record, error in _read_jsonl(jsonl):
        if record is None:
            _emit({"id": None, "error": error})
        else:
            _emit(_extract_record(engine, record))


@cli.command("eval")
@click.argument("gold", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the whole score as JSON.")
@pass_app
def eval_command(app: AppContext, gold: Path, as_json: bool) -> None:
    """Score the engine on labeled articles: precision, recall, F1, alert precision,
    false-alert rate, `until` accuracy, and the misses and false alerts. Events match as
    ../shared/eval/score.py matches them (same change; actor or subject share a word).

    \b
    Example:
      policy-monitor eval tests/fixtures/eval/seeds.jsonl
    """
    engine = app.engine()
    pairs = []
    for record, error in _read_jsonl(gold):
        if record is None:
            raise BadInput(f"{gold}: {error}")
        pairs.append((record, _extract_record(engine, record).get("events", [])))
    result = score(pairs, engine.normalise).as_json()
    if as_json:
        _emit(result)
        return
    click.echo(
        f"articles {len(pairs)}  precision {result['precision']:.3f}  recall {result['recall']:.3f}"
        f"  F1 {result['f1']:.3f}  alert precision {result['alert_precision']:.3f}"
        f"  false-alert rate {result['false_alert_rate']:.3f}"
        f"  until accuracy {result['until_accuracy']}"
    )
    for miss in result["misses"]:
        evidence = str(miss.get("evidence") or "")[:90]
        click.echo(f"  miss  {miss['id']}: {miss.get('actor')} {miss.get('change')} — {evidence}")
    for alert in result["false_alerts"]:
        evidence = str(alert.get("evidence") or "")[:90]
        click.echo(
            f"  false {alert['id']}: {alert.get('actor')} {alert.get('change')} — {evidence}"
        )


@cli.group("rules")
def rules_group() -> None:
    """Check the rule files.

    \b
    Example:
      policy-monitor rules test
    """


@rules_group.command("test")
@pass_app
def rules_test(app: AppContext) -> None:
    """Run every rule's own examples: `match` must match, `no_match` must not,
    `known_miss` is reported without failing. Exit code 1 on a failure.

    \b
    Example:
      policy-monitor rules test
    """
    engine = app.engine()
    report = run_rule_tests(engine.rules, engine)
    for failure in report.failures:
        click.echo(f"FAIL {failure}")
    for fixed in report.known_misses_fixed:
        click.echo(f"note {fixed}")
    click.echo(
        f"{report.passed} passed, {len(report.failures)} failed, {report.known_misses} known misses"
    )
    if not report.ok:
        raise SystemExit(1)


@rules_group.command("lint")
@pass_app
def rules_lint(app: AppContext) -> None:
    """Validate the rule files: schema, unique ids, patterns compile, examples present.

    \b
    Example:
      policy-monitor --config my.toml rules lint
    """
    engine = app.engine()
    click.echo(
        f"{len(engine.rules.files)} files, {len(engine.rules.triggers)} triggers, "
        f"{len(engine.rules.cues)} cues: ok"
    )
