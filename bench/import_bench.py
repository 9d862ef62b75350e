"""Import throughput on ../shared/feeds/real against bare feedparser.parse, same run.

    .venv/bin/python bench/import_bench.py [--rounds N]

Prints entries/s for: feedparser.parse with its defaults (what a naive reader does),
feedparser.parse with sanitising off (our parse settings, no storage), and the full
`import` (parse + plain text + canonical URLs + dedupe + SQLite on disk), and the ratios.
Each import round uses a fresh database, so nothing is skipped as a duplicate.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import feedparser

from monitor.pipeline import import_paths
from monitor.store import Store

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "feeds" / "real"


def bare_parse(files: list[bytes], **options: bool) -> int:
    return sum(len(feedparser.parse(io.BytesIO(body), **options).entries) for body in files)


def best_of(rounds: int, work: Callable[[], int]) -> tuple[float, int]:
    timings, count = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        count = work()
        timings.append(time.perf_counter() - started)
    return min(timings), count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="best of N (default 3)")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is absent")
        return 0
    paths = sorted(p for p in CORPUS.iterdir() if p.is_file())
    bodies = [p.read_bytes() for p in paths]
    megabytes = sum(map(len, bodies)) / 1e6

    def do_import() -> int:
        with tempfile.TemporaryDirectory() as folder:
            store = Store.open(Path(folder) / "bench.db")
            report = import_paths(store, [CORPUS])
            store.close()
            return report.new + report.duplicates

    default_s, entries = best_of(args.rounds, lambda: bare_parse(bodies))
    fast_s, _ = best_of(
        args.rounds, lambda: bare_parse(bodies, sanitize_html=False, resolve_relative_uris=False)
    )
    import_s, imported = best_of(args.rounds, do_import)
    print(
        f"corpus: {len(paths)} files, {megabytes:.1f} MB, {entries} entries (best of {args.rounds})"
    )
    rows = [
        ("feedparser.parse, defaults", default_s, entries),
        ("feedparser.parse, no sanitise", fast_s, entries),
        ("policy-monitor import (to SQLite)", import_s, imported),
    ]
    for label, seconds, count in rows:
        print(f"  {label:36s} {seconds:6.2f} s  {count / seconds:8.0f} entries/s")
    print(f"ratio import / bare feedparser (defaults): {default_s / import_s:.2f}x the speed")
    print(f"ratio import / bare feedparser (no sanitise): {fast_s / import_s:.2f}x the speed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
