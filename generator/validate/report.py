"""The outcome of validation, in a shape every reporter can read."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.catalog import TOOL_RULES, RuleInfo
from generator.errors import Diagnostic, Severity, merge_environments, sort_key
from generator.validate.capacity import CapacityRow
from generator.validate.policy.model import Policies


@dataclass
class ResourceResult:
    path: str
    kind: str
    name: str
    environment: str
    release: str | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.path,
            "kind": self.kind,
            "name": self.name,
            "environment": self.environment,
            "release": self.release,
            "status": "valid" if self.valid else "invalid",
            "errors": [d.to_json() for d in self.diagnostics],
        }


@dataclass
class Report:
    resources: list[ResourceResult] = field(default_factory=list)
    # Findings that belong to no single rendered object: spec errors, capacity, spec-level policies.
    findings: list[Diagnostic] = field(default_factory=list)
    capacity: list[CapacityRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Every rule id a finding can carry, with its description (the tool's own and the policies').
    rules: dict[str, RuleInfo] = field(default_factory=lambda: dict(TOOL_RULES))
    # The environments in promotion order, for reporters that list a finding's environments.
    order: list[str] = field(default_factory=list)
    # --strict: warnings fail the run, and reporters that count failures (JUnit) count them.
    strict: bool = False

    def describe(self, policies: Policies) -> None:
        """Add the policy rules to the rule catalog reporters (SARIF, JUnit) describe."""
        for rule in policies.rules.values():
            self.rules[rule.id] = RuleInfo(rule.id, rule.title, rule.rationale, rule.severity)

    def diagnostics(self) -> list[Diagnostic]:
        return sorted(merge_environments(self.each()), key=sort_key)

    def each(self) -> list[Diagnostic]:
        """Every finding, one per environment (`diagnostics` merges those a spec line repeats)."""
        return sorted([*self.findings, *(d for r in self.resources for d in r.diagnostics)], key=sort_key)

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics() if d.severity is severity)

    def failed(self, strict: bool | None = None) -> bool:
        worst = {d.severity for d in self.diagnostics()}
        strict = self.strict if strict is None else strict
        return Severity.ERROR in worst or (strict and Severity.WARNING in worst)

    def failing(self, severity: Severity) -> bool:
        """Whether findings of this severity fail the run (warnings do under --strict)."""
        return severity is Severity.ERROR or (self.strict and severity is Severity.WARNING)

    @property
    def invalid(self) -> int:
        return sum(1 for r in self.resources if not r.valid)

    def summary(self) -> str:
        total = len(self.resources)
        line = f"{total} resources, {total - self.invalid} valid, {self.invalid} invalid"
        errors, warnings = self.count(Severity.ERROR), self.count(Severity.WARNING)
        return f"{line}; {errors} errors, {warnings} warnings"

    def to_json(self) -> dict[str, object]:
        total = len(self.resources)
        return {
            "summary": {
                "resources": total,
                "valid": total - self.invalid,
                "invalid": self.invalid,
                "errors": self.count(Severity.ERROR),
                "warnings": self.count(Severity.WARNING),
                "infos": self.count(Severity.INFO),
            },
            "resources": [r.to_json() for r in self.resources],
            "diagnostics": [d.to_json() for d in self.diagnostics()],
            "capacity": [row.to_json() for row in self.capacity],
            "notes": self.notes,
        }
