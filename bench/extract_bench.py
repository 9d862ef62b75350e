"""`extract` throughput on one core: articles/s through Engine.extract.

    .venv/bin/python -m bench.extract_bench

Corpora (each skipped where ../shared is absent):
- Reuters-21578: 21,578 short newswire stories of 1987 (headlines in capitals); aim
  5,000 stories/s. Also counts the stories with a news event (false alerts show here).
- BBC: 2,225 full-length articles of 2004-05, undated; aim 2,500 articles/s.
- ../shared/feeds/real: 2,636 feed items of all kinds (mostly without a ban).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from monitor import resources
from monitor.engine import Engine
from monitor.parse import parse_date, parse_file
from monitor.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
AIMS = {"reuters21578": 5000, "bbc": 2500}

Item = tuple[str, str, date | None]


def corpus_items(name: str) -> list[Item]:
    converter = SHARED / "corpus" / "to_jsonl.py"
    if not converter.exists():
        return []
    out = subprocess.run(
        [sys.executable, str(converter), name], capture_output=True, text=True, check=True
    ).stdout
    items: list[Item] = []
    for line in out.splitlines():
        record = json.loads(line)
        published = parse_date(record.get("published"))
        items.append(
            (record["title"] or "", record["text"] or "", published.date() if published else None)
        )
    return items


def feed_items() -> list[Item]:
    folder = SHARED / "feeds" / "real"
    items: list[Item] = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            found, _ = parse_file(path)
            items.extend(
                (a.title, a.text, a.published.date() if a.published else None) for a in found
            )
    return items


def measure(engine: Engine, items: Iterable[Item]) -> tuple[int, float, int]:
    items = list(items)
    started = time.perf_counter()
    alerted = sum(1 for title, text, day in items if engine.extract(title, text, day).events)
    return len(items), time.perf_counter() - started, alerted


def main() -> int:
    engine = Engine(load_rules([resources.rules_dir()]))
    engine.extract("warm up", "The city banned the app on Monday.", None)
    corpora = {
        "reuters21578": corpus_items("reuters21578"),
        "bbc": corpus_items("bbc"),
        "feeds/real": feed_items(),
    }
    for name, items in corpora.items():
        if not items:
            print(f"{name}: skipped (../shared not found)")
            continue
        count, seconds, alerted = measure(engine, items)
        rate = count / seconds
        chars = sum(len(t) + len(x) for t, x, _ in items) / count
        line = (
            f"{name}: {count:,} articles ({chars:,.0f} characters each), {seconds:.2f} s, "
            f"{rate:,.0f} articles/s on one core; {alerted} with a news event "
            f"({1000 * alerted / count:.1f} per 1,000)"
        )
        if name in AIMS:
            line += f"; ratio to the {AIMS[name]:,}/s aim: {rate / AIMS[name]:.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
