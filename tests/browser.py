"""Headless Chromium for tests: Debian's `chromium` driven by Playwright, never a browser
Playwright downloads. Where either is missing, the tests that need it skip and say why."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying hosts this closed network
# refuses; --no-sandbox because tests run as root here and in CI.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots for a person to look at (not compared): build/ is not committed.
SCREENSHOTS = ROOT / "build" / "screenshots"


def chromium_path() -> Path:
    found = CHROMIUM if CHROMIUM.exists() else None
    if found is None and (which := shutil.which("chromium")):
        found = Path(which)
    if found is None:
        pytest.skip("no Chromium here: `apt-get install -y chromium` (.ci/run does it as root)")
    return found


@contextmanager
def browser_page() -> Iterator[tuple[Any, list[str]]]:
    """A page of a fresh headless Chromium and the list its console errors (and page
    errors) are collected into."""
    executable = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            yield page, errors
        finally:
            browser.close()


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name
