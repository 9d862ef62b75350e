"""`extract` throughput on one core: articles/s through Engine.extract.

    .venv/bin/python bench/extract_bench.py

Articles: every entry of ../shared/feeds/real (real news of all kinds, mostly without a
ban: the prefilter's common case) plus the nine seed articles (all with one), repeated
to a few thousand. Prints articles/s and the share that reached clause analysis.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from monitor import resources
from monitor.engine import Engine
from monitor.parse import parse_file
from monitor.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "feeds" / "real"
TARGET = 5000


def main() -> int:
    engine = Engine(load_rules([resources.rules_dir()]))
    articles = []
    for folder in [REAL, ROOT / "seeds"]:
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                found, _ = parse_file(path)
                articles.extend(found)
    if not articles:
        print("skipped: no articles")
        return 0
    corpus = (articles * (TARGET // len(articles) + 1))[:TARGET]
    today = datetime.now(UTC).date()
    started = time.perf_counter()
    with_events = 0
    for article in corpus:
        published = article.published.date() if article.published else today
        if engine.extract(article.title, article.text, published).events:
            with_events += 1
    seconds = time.perf_counter() - started
    chars = sum(len(a.title) + len(a.text) for a in corpus)
    print(f"articles: {len(corpus)} ({len(articles)} distinct), {chars / 1e6:.1f} M characters")
    print(f"extract: {seconds:.2f} s, {len(corpus) / seconds:,.0f} articles/s on one core")
    print(f"articles with news events: {with_events}")
    print(f"ratio to the 5,000 articles/s aim: {len(corpus) / seconds / 5000:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
