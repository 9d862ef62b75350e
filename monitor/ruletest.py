"""Run every rule file's own examples through the engine (`policy-monitor rules test`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from monitor.engine import Engine, Event, Extraction
from monitor.rules import CueRule, RuleSet, TriggerRule

EXAMPLE_DATE = date(2024, 1, 15)


@dataclass(slots=True)
class RuleTestReport:
    passed: int = 0
    failures: list[str] = field(default_factory=list)
    known_misses: int = 0
    known_misses_fixed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _all(extraction: Extraction) -> list[Event]:
    return [*extraction.events, *extraction.background, *extraction.rejected]


def _trigger_hits(rule: TriggerRule, extraction: Extraction) -> bool:
    return any(e.rule == rule.id for e in extraction.events)


def _cue_hits(rule: CueRule, extraction: Extraction) -> bool:
    """A proposal cue turns the ban into a proposed one; every other cue leaves no news
    and is named on a demoted finding."""
    changes = {e.change for e in extraction.events}
    if rule.kind == "proposal":
        return changes == {"proposed"}
    if rule.kind == "enacted":
        return bool(changes) and "proposed" not in changes
    demoted = [*extraction.background, *extraction.rejected]
    return not extraction.events and any(rule.kind in e.cues for e in demoted)


def run_rule_tests(rules: RuleSet, engine: Engine | None = None) -> RuleTestReport:
    engine = engine or Engine(rules)
    report = RuleTestReport()

    def check(rule_id: str, sentence: str, expected: bool, hit: bool, known: bool) -> None:
        if known:
            report.known_misses += 1
            if hit:
                report.known_misses_fixed.append(f"{rule_id}: now matches: {sentence}")
        elif hit == expected:
            report.passed += 1
        else:
            verb = "should match" if expected else "should not match"
            report.failures.append(f"{rule_id} {verb}: {sentence}")

    for rule in rules.triggers:
        for kind, sentences in (
            ("match", rule.examples.match),
            ("no_match", rule.examples.no_match),
            ("known_miss", rule.examples.known_miss),
        ):
            for sentence in sentences:
                hit = _trigger_hits(rule, engine.extract("", sentence, EXAMPLE_DATE))
                check(rule.id, sentence, kind == "match", hit, kind == "known_miss")
    for cue in rules.cues:
        for kind, sentences in (
            ("match", cue.examples.match),
            ("no_match", cue.examples.no_match),
            ("known_miss", cue.examples.known_miss),
        ):
            for sentence in sentences:
                extraction = engine.extract("", sentence, EXAMPLE_DATE)
                # A no_match sentence must keep its trigger as news (for a proposal cue:
                # as news of an imposed measure).
                kept = [e for e in extraction.events if e.change != "proposed"]
                cancelled = _cue_hits(cue, extraction) or not kept
                if cue.kind == "enacted":  # its no_match stays a proposal
                    cancelled = {e.change for e in extraction.events} != {"proposed"}
                hit = cancelled if kind == "no_match" else _cue_hits(cue, extraction)
                check(cue.id, sentence, kind != "no_match", hit, kind == "known_miss")
    for rule_file in rules.files:
        for example in rule_file.entity_examples:
            events = _all(engine.extract("", example.text, EXAMPLE_DATE))
            hit = any(
                (example.actor is None or e.actor == example.actor)
                and (example.subject is None or e.subject == example.subject)
                and (example.scope is None or e.scope == example.scope)
                for e in events
            )
            check(f"{rule_file.id} entities", example.text, True, hit, False)
    return report
