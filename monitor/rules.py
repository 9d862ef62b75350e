"""Rule files: load, validate (pydantic) and lint rules/*.yaml. Rules are data.

A *core* file holds the domain-free language of status changes (trigger rules) and the
cues that cancel or demote a trigger; a *topic* pack names actors, subjects and scopes
with their aliases. Every rule and pack carries examples (see `policy-monitor rules test`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ChangeKind = Literal[
    "imposed", "extended", "lifted", "expired", "blocked", "proposed", "expanded", "narrowed"
]
CueKind = Literal[
    "hypothetical",
    "negation",
    "call",
    "proposal",
    "opinion",
    "background",
    "sanction",
    "other-sense",
    "enacted",
]
CHANGE_KINDS: tuple[str, ...] = ChangeKind.__args__  # type: ignore[attr-defined]


class RuleFileError(Exception):
    """A rule file that cannot be used; the message names the file and the field."""


class Examples(BaseModel):
    """As semgrep's ruleid / ok / todoruleid: must match, must not, known misses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: list[str] = Field(default_factory=list)
    no_match: list[str] = Field(default_factory=list)
    known_miss: list[str] = Field(default_factory=list)


def _check_patterns(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from None
    return patterns


def _compile(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


class _PatternRule(BaseModel):
    """What triggers and cues share: an id, regular expressions and examples."""

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    id: str
    patterns: list[str] = Field(min_length=1)
    description: str = ""
    examples: Examples

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        return _check_patterns(patterns)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return _compile(self.patterns)


class TriggerRule(_PatternRule):
    """Words that report a status change of one kind."""

    change: ChangeKind
    priority: int = 10
    confidence: float = Field(default=0.7, ge=0, le=1)
    status: Literal["ban", "moratorium", "lifted", "expired", "blocked", "proposed"] | None = None
    # Word starts, one of which is in any text a pattern matches. The engine looks for
    # these first (a cheap prefilter); a trigger without keywords is looked for whole.
    keywords: list[str] = []
    # A noun use of the trigger ("the ban", "Huawei ban") counts only with a verb that
    # imposes it ("announced a ban"); otherwise it names a measure, it is not news of one.
    needs_verb: bool = False
    # When the text names no one who acts ("The ban comes into force on Friday"), the
    # place the article names stands for the jurisdiction.
    place_actor: bool = False

    @cached_property
    def keyword_regex(self) -> re.Pattern[str] | None:
        if not self.keywords:
            return None
        return re.compile(r"\b(?:" + "|".join(map(re.escape, self.keywords)) + ")", re.I)


class CueRule(_PatternRule):
    """Words that cancel or demote a trigger in the same clause."""

    kind: CueKind
    # before: only in the clause before the trigger; clause: anywhere in the clause;
    # sentence: anywhere in the sentence.
    where: Literal["before", "clause", "sentence"] = "before"


class EntityExample(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    actor: str | None = None
    subject: str | None = None
    scope: str | None = None


class RuleFile(BaseModel):
    """One YAML file: core language (triggers, cues) and/or a topic pack (entities)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    status: Literal["experimental", "test", "stable"] = "experimental"
    description: str = ""
    references: list[str] = Field(default_factory=list)
    triggers: list[TriggerRule] = Field(default_factory=list)
    cues: list[CueRule] = Field(default_factory=list)
    # Pronouns and descriptions that stand for the article's main actor.
    coreference: list[str] = Field(default_factory=list)
    actors: dict[str, list[str]] = Field(default_factory=dict)
    subjects: dict[str, list[str]] = Field(default_factory=dict)
    scopes: dict[str, list[str]] = Field(default_factory=dict)
    entity_examples: list[EntityExample] = Field(default_factory=list)


class RuleSet(BaseModel):
    """All loaded files, merged."""

    model_config = ConfigDict(frozen=True)

    files: list[RuleFile]

    @property
    def triggers(self) -> list[TriggerRule]:
        return [t for f in self.files for t in f.triggers]

    @property
    def cues(self) -> list[CueRule]:
        return [c for f in self.files for c in f.cues]

    def merged(self, field: Literal["actors", "subjects", "scopes"]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for rule_file in self.files:
            for name, aliases in getattr(rule_file, field).items():
                out.setdefault(name, []).extend(aliases)
        return out

    @property
    def coreference(self) -> list[str]:
        return [word for f in self.files for word in f.coreference]


def rule_paths(locations: Iterable[Path]) -> list[Path]:
    paths: list[Path] = []
    for location in locations:
        if location.is_dir():
            paths.extend(sorted(location.glob("*.yaml")) + sorted(location.glob("*.yml")))
        else:
            paths.append(location)
    return paths


def load_rule_file(path: Path) -> RuleFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleFileError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise RuleFileError(f"{path}: not valid YAML: {exc}") from None
    try:
        return RuleFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise RuleFileError(f"{path}: {problems}") from None


def load_rules(locations: Iterable[Path]) -> RuleSet:
    paths = rule_paths(locations)
    if not paths:
        raise RuleFileError("no rule files found")
    rules = RuleSet(files=[load_rule_file(p) for p in paths])
    problems = lint(rules)
    if problems:
        raise RuleFileError("rule lint failed:\n  " + "\n  ".join(problems))
    return rules


def lint(rules: RuleSet) -> list[str]:
    """Unique ids, examples present, aliases not claimed twice."""
    problems: list[str] = []
    seen: set[str] = set()
    for rule_file in rules.files:
        ids = [rule_file.id] + [r.id for r in rule_file.triggers] + [c.id for c in rule_file.cues]
        for rule_id in ids:
            if rule_id in seen:
                problems.append(f"duplicate id {rule_id!r}")
            seen.add(rule_id)
        checked: list[TriggerRule | CueRule] = [*rule_file.triggers, *rule_file.cues]
        for rule in checked:
            if not rule.examples.match:
                problems.append(f"{rule.id}: no `match` examples")
            if not rule.examples.no_match:
                problems.append(f"{rule.id}: no `no_match` examples")
        for trigger in rule_file.triggers:
            problems.extend(_keyword_gaps(trigger))
        if (rule_file.actors or rule_file.subjects or rule_file.scopes) and not (
            rule_file.entity_examples
        ):
            problems.append(f"{rule_file.id}: a topic pack needs `entity_examples`")
    kinds: tuple[Literal["actors", "subjects", "scopes"], ...] = ("actors", "subjects", "scopes")
    for field in kinds:
        owner: dict[str, str] = {}
        for name, aliases in rules.merged(field).items():
            for alias in aliases:
                key = alias.casefold()
                if key in owner and owner[key] != name:
                    problems.append(f"{field}: alias {alias!r} names both {owner[key]} and {name}")
                owner[key] = name
    return problems


def _keyword_gaps(trigger: TriggerRule) -> list[str]:
    """A `match` example without any of the trigger's keywords: the prefilter would hide it."""
    if trigger.keyword_regex is None:
        return []
    return [
        f"{trigger.id}: keywords miss the example {text!r}"
        for text in [*trigger.examples.match, *trigger.examples.known_miss]
        if not trigger.keyword_regex.search(text)
    ]
