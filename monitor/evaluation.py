"""Scoring extract() against labeled articles (the ../shared/eval shape). Pure.

Matches as `../shared/eval/score.py` does, so `policy-monitor eval` and the scorer agree:
a predicted event matches a gold event when the change is the same and the actor or the
subject shares a content word (case-folded, a plural -s dropped, a few stop words left
out); each gold event is matched at most once; `until` is right within seven days.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

Normalise = Callable[[str, str | None], str | None]

_STOP = frozenset(
    """the of a an and on for in to its s by use us u state city government department
    federal council""".split()
)
_SAME = {"face": "facial"}
_ALIAS = {"reinstated": "imposed"}
UNTIL_DAYS = 7


@dataclass(slots=True)
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    articles_without_change: int = 0
    false_alert_articles: int = 0
    alerted_articles: int = 0
    alerted_with_change: int = 0
    until_checked: int = 0
    until_right: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_alerts: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "true_positives": tp,
            "false_positives": fp,
            "false_negatives": fn,
            "alert_precision": round(self.alerted_with_change / self.alerted_articles, 4)
            if self.alerted_articles
            else 0.0,
            "false_alert_rate": round(self.false_alert_articles / self.articles_without_change, 4)
            if self.articles_without_change
            else 0.0,
            "until_accuracy": round(self.until_right / self.until_checked, 4)
            if self.until_checked
            else None,
            "misses": self.misses,
            "false_alerts": self.false_alerts,
        }


def content_words(text: str | None) -> set[str]:
    words = set()
    for word in re.findall(r"[a-z0-9]+", (text or "").lower()):
        word = _SAME.get(word, word)
        if len(word) > 3 and word.endswith("s"):
            word = word[:-1]
        if word not in _STOP and len(word) > 1:
            words.add(word)
    return words


def _change(event: dict[str, Any]) -> str:
    change = str(event.get("change") or "").lower()
    return _ALIAS.get(change, change)


def matches(gold: dict[str, Any], predicted: dict[str, Any], normalise: Normalise) -> bool:
    if _change(gold) != _change(predicted):
        return False
    for kind, key in (("actors", "actor"), ("subjects", "subject")):
        mine = content_words(normalise(kind, predicted.get(key)))
        theirs = content_words(normalise(kind, gold.get(key)))
        if mine & theirs:
            return True
    return False


def same_until(gold: str | None, predicted: str | None) -> bool:
    if not gold or not predicted:
        return not gold and not predicted
    if "indefinite" in (gold, predicted):
        return gold == predicted
    try:
        apart = date.fromisoformat(gold[:10]) - date.fromisoformat(predicted[:10])
    except ValueError:
        return False
    return abs(apart.days) <= UNTIL_DAYS


def score(
    pairs: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]], normalise: Normalise
) -> Score:
    """Match each predicted event to an unmatched gold event of the same article."""
    result = Score()
    for gold, predicted in pairs:
        gold_events = list(gold.get("events") or [])
        used: set[int] = set()
        for event in predicted:
            hit = next(
                (
                    i
                    for i, g in enumerate(gold_events)
                    if i not in used and matches(g, event, normalise)
                ),
                None,
            )
            if hit is None:
                result.false_positives += 1
                result.false_alerts.append({"id": gold.get("id"), **event})
                continue
            used.add(hit)
            result.true_positives += 1
            if gold_events[hit].get("change") in ("imposed", "extended"):
                result.until_checked += 1
                result.until_right += same_until(gold_events[hit].get("until"), event.get("until"))
        for index, event in enumerate(gold_events):
            if index not in used:
                result.false_negatives += 1
                result.misses.append({"id": gold.get("id"), **event})
        if predicted:
            result.alerted_articles += 1
            result.alerted_with_change += bool(gold_events)
        if not gold_events:
            result.articles_without_change += 1
            result.false_alert_articles += bool(predicted)
    return result
