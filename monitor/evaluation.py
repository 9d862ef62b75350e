"""Scoring extract() against labeled articles (the ../shared/eval shape). Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Normalise = Callable[[str, str | None], str | None]


@dataclass(slots=True)
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    articles_without_change: int = 0
    false_alert_articles: int = 0
    until_checked: int = 0
    until_right: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_alerts: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "true_positives": tp,
            "false_positives": fp,
            "false_negatives": fn,
            "false_alert_rate": round(self.false_alert_articles / self.articles_without_change, 4)
            if self.articles_without_change
            else 0.0,
            "until_accuracy": round(self.until_right / self.until_checked, 4)
            if self.until_checked
            else None,
            "misses": self.misses,
            "false_alerts": self.false_alerts,
        }


def _key(event: dict[str, Any], normalise: Normalise) -> tuple[Any, ...]:
    return (
        normalise("actors", event.get("actor")),
        normalise("subjects", event.get("subject")),
        normalise("scopes", event.get("scope")),
        event.get("change"),
    )


def score(
    pairs: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]], normalise: Normalise
) -> Score:
    """Match predicted to gold events by (actor, subject, scope, change), names
    normalised through the topic packs' aliases; compare `until` on matches."""
    result = Score()
    for gold, predicted in pairs:
        gold_events = {_key(e, normalise): e for e in gold.get("events", [])}
        found = {_key(e, normalise): e for e in predicted}
        if not gold_events:
            result.articles_without_change += 1
            if found:
                result.false_alert_articles += 1
        for key, event in found.items():
            if key in gold_events:
                result.true_positives += 1
                result.until_checked += 1
                if event.get("until") == gold_events[key].get("until"):
                    result.until_right += 1
            else:
                result.false_positives += 1
                result.false_alerts.append({"id": gold.get("id"), **event})
        for key, event in gold_events.items():
            if key not in found:
                result.false_negatives += 1
                result.misses.append({"id": gold.get("id"), **event})
    return result
