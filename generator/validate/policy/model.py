"""Policy rules and waivers as loaded from policies/."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from generator.errors import Diagnostic, Location, Path, Severity
from generator.inputs.spec import Environment
from generator.validate.policy.jsonpath import JsonPath

MANIFEST = "manifest"
SPEC = "spec"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    layer: str
    selects: tuple[JsonPath, ...]
    rationale: str
    location: Location
    kinds: tuple[str, ...] | None = None
    environments: tuple[str, ...] | None = None
    levels: tuple[str, ...] | None = None
    schema: dict[str, Any] | None = None
    validator: Any = field(default=None, compare=False, repr=False)  # `schema`, compiled once
    builtin: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    source: Path | None = None
    examples: dict[str, Any] = field(default_factory=dict)
    policy_set: str = ""
    # Where `select` is written (location, field path), for findings about the paths themselves.
    select_at: tuple[Location, str] | None = None

    def applies_to(self, env: Environment) -> bool:
        level = env.get("policy", "level", default="standard")
        return (self.environments is None or env.name in self.environments) and (
            self.levels is None or level in self.levels
        )

    def matches_kind(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds


@dataclass(frozen=True)
class Waiver:
    rule: str
    release: str | None  # None: every finding of the rule in `environment` (the schema requires one of them)
    environment: str | None
    reason: str
    owner: str
    expires: datetime.date
    location: Location

    def covers(self, rule: str, release: str | None, environment: str | None) -> bool:
        return (
            rule == self.rule
            and (self.release is None or release == self.release)
            and (self.environment is None or environment == self.environment)
        )


@dataclass
class Policies:
    rules: dict[str, Rule] = field(default_factory=dict)
    waivers: list[Waiver] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)  # about policies/ as a whole (it defines no rule)

    def active(self, env: Environment, layer: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.layer == layer and r.applies_to(env)]
