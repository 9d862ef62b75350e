"""The dashboard's pages as pure functions: data read from the store in, HTML out.

Jinja2 autoescapes every value, so a feed's title or evidence can never become markup;
links out go only to http(s) URLs (`safe_url`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined

from monitor.notify import policy_label
from monitor.notify.sentence import (
    change_sentence,
    plain,
    safe_url,
    source_links,
    until_phrase,
)
from monitor.status import feed_state
from monitor.store import ChangeFilter, FeedRow
from monitor.web.timeline_svg import STATUS_COLOURS, draw_timeline

# The order in which the overview groups policies: what is in force first.
STATUS_ORDER = ("ban", "moratorium", "blocked", "proposed", "lifted", "expired", "none")

_ENV = Environment(
    loader=PackageLoader("monitor.web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["safe_url"] = safe_url
_ENV.filters["plain"] = plain
_ENV.filters["sentence"] = change_sentence
_ENV.filters["sources"] = source_links
_ENV.filters["policy_label"] = policy_label
_ENV.filters["until"] = until_phrase
_ENV.globals["status_colours"] = STATUS_COLOURS


def filter_link(wanted: ChangeFilter, **changed: str) -> str:
    """The overview's URL with these filters changed, kept in the query string so the
    view survives a reload and can be shared."""
    values = {"topic": wanted.topic, "actor": wanted.actor, "change": wanted.change, **changed}
    query = urlencode({k: v for k, v in values.items() if v})
    return "/" + (f"?{query}" if query else "")


def policies_by_status(policies: Sequence[dict[str, Any]]) -> list[tuple[str, list[Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for policy in policies:
        groups.setdefault(policy["status"], []).append(policy)
    order = {status: index for index, status in enumerate(STATUS_ORDER)}
    return sorted(groups.items(), key=lambda item: order.get(item[0], len(order)))


def ending_soon(policies: Sequence[dict[str, Any]], today: date, horizon_days: int) -> list[Any]:
    """Moratoriums whose stated end is within the horizon (or already past, with no
    change recorded yet), soonest first, with the days left."""
    soon = []
    for policy in policies:
        if policy["status"] != "moratorium" or not policy["until"]:
            continue
        try:
            until = date.fromisoformat(policy["until"])
        except ValueError:
            continue  # "indefinite"
        days_left = (until - today).days
        if days_left <= horizon_days:
            soon.append({**policy, "days_left": days_left})
    return sorted(soon, key=lambda p: p["until"])


def overview_page(
    *,
    changes: Sequence[dict[str, Any]],
    policies: Sequence[dict[str, Any]],
    wanted: ChangeFilter,
    choices: dict[str, list[str]],
    now: datetime,
    horizon_days: int,
) -> str:
    return _ENV.get_template("overview.html.j2").render(
        title="Overview",
        changes=changes,
        groups=policies_by_status(policies),
        soon=ending_soon(policies, now.date(), horizon_days),
        wanted=wanted,
        choices=choices,
        filter_link=filter_link,
        now=now,
    )


def policy_page(*, policy: dict[str, Any], changes: Sequence[dict[str, Any]], now: datetime) -> str:
    label = policy_label(policy)
    return _ENV.get_template("policy.html.j2").render(
        title=label,
        policy=policy,
        label=label,
        changes=changes,
        timeline=draw_timeline(changes, now.date(), f"Timeline of {label}"),
        now=now,
    )


def story_page(
    *,
    story: dict[str, Any],
    articles: Sequence[dict[str, Any]],
    changes: Sequence[dict[str, Any]],
    now: datetime,
) -> str:
    return _ENV.get_template("story.html.j2").render(
        title=plain(story["title"]) or f"Story {story['id']}",
        story=story,
        articles=articles,
        changes=changes,
        now=now,
    )


def feeds_page(*, feeds: Sequence[FeedRow], now: datetime) -> str:
    rows = [{"feed": feed, "state": feed_state(feed)} for feed in feeds]
    return _ENV.get_template("feeds.html.j2").render(title="Feeds", rows=rows, now=now)


def not_found_page(message: str, now: datetime) -> str:
    return _ENV.get_template("not_found.html.j2").render(
        title="Not found", message=message, now=now
    )
