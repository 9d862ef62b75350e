"""The dashboard in a real browser: headless Chromium loads every page from a real
server on 127.0.0.1, finds the timeline picture, sees no console errors, and writes a
screenshot of the policy page (build/screenshots/) for a person to look at."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.browser import browser_page, screenshot_path
from tests.web_fixtures import seeded_database, serving


def test_every_page_loads_in_chromium_without_console_errors(tmp_path: Path) -> None:
    db = seeded_database(tmp_path)
    with sqlite3.connect(db) as conn:
        policy_id = conn.execute("SELECT id FROM policies WHERE actor = 'Amazon'").fetchone()[0]
        story_id = conn.execute("SELECT min(story_id) FROM changes").fetchone()[0]
    with serving(db) as base, browser_page() as (page, errors):
        page.goto(f"{base}/")
        assert page.locator("table.changes tbody tr").count() == 3
        # A filter is a plain GET form: submitting it puts the filter in the URL.
        page.select_option("select[name=change]", "extended")
        page.click("button[type=submit]")
        assert "change=extended" in page.url
        assert page.locator("table.changes tbody tr").count() == 1

        page.goto(f"{base}/policy/{policy_id}")
        timeline = page.locator("svg.timeline")
        assert timeline.count() == 1 and timeline.bounding_box()["width"] > 500
        assert page.locator("svg.timeline circle.marker").count() == 2
        page.screenshot(path=str(screenshot_path("policy.png")), full_page=True)

        page.goto(f"{base}/story/{story_id}")
        assert page.locator("div.change").count() >= 1
        page.goto(f"{base}/feeds")
        assert page.locator("h1").inner_text() == "Feeds"
        assert errors == []
    assert screenshot_path("policy.png").stat().st_size > 10_000
