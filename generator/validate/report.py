"""The outcome of validation, in a shape every reporter can read."""

from __future__ import annotations

from collections.abc import Callable
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
    # A report kept from an earlier run (generator.pipeline.settled) holds only the resources with
    # findings: `unlisted` valid ones more, which `listing` makes for the reporters that list each one;
    # and, until `deferred` gives them (with every finding and flagged resource), none of its infos.
    unlisted: int = 0
    listing: Callable[[], list[ResourceResult]] | None = None
    deferred: Callable[[], tuple[list[Diagnostic], list[ResourceResult]]] | None = None
    _held: int = field(default=0, repr=False, compare=False)
    _sorted: dict[bool, tuple[tuple[int, ...], list[Diagnostic], list[Diagnostic]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def every_resource(self) -> list[ResourceResult]:
        self._complete()
        if self.unlisted and self.listing is not None:
            self.resources, self.unlisted, self.listing = self.listing(), 0, None
        return self.resources

    @property
    def total(self) -> int:
        return len(self.resources) + self.unlisted

    def _complete(self) -> None:
        if self.deferred is not None:
            added = self.findings[self._held :]  # what callers added since the report was kept
            findings, resources = self.deferred()
            self.deferred, self.findings = None, [*findings, *added]
            self.unlisted += len(self.resources) - len(resources)
            self.resources = resources

    def defer(self, held: list[Diagnostic], give: Callable[[], tuple[list[Diagnostic], list[ResourceResult]]]) -> None:
        """Hold `held` as the findings until the reporters need the infos, which `give` brings."""
        self.findings, self._held, self.deferred = list(held), len(held), give

    def describe(self, policies: Policies) -> None:
        """Add the policy rules to the rule catalog reporters (SARIF, JUnit) describe."""
        for rule in policies.rules.values():
            self.rules[rule.id] = RuleInfo(rule.id, rule.title, rule.rationale, rule.severity)

    def _both(self, infos: bool) -> tuple[list[Diagnostic], list[Diagnostic]]:
        """(each, merged), worked out once while the findings stay as they are: reporters ask several times."""
        if infos:
            self._complete()
        key = (len(self.findings), len(self.resources), sum(len(r.diagnostics) for r in self.resources))
        known = self._sorted.get(infos)
        if known is None or known[0] != key:
            found = [*self.findings, *(d for r in self.resources for d in r.diagnostics)]
            if not infos:
                found = [d for d in found if d.severity is not Severity.INFO]
            each = sorted(found, key=sort_key)
            known = self._sorted[infos] = (key, each, sorted(merge_environments(each), key=sort_key))
        return known[1], known[2]

    def diagnostics(self, infos: bool = True) -> list[Diagnostic]:
        """Every finding, those a spec line repeats in several environments merged; without the infos
        (waived findings) when `infos` is false."""
        return list(self._both(infos)[1])

    def each(self) -> list[Diagnostic]:
        """Every finding, one per environment (`diagnostics` merges those a spec line repeats)."""
        return list(self._both(True)[0])

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self._both(severity is Severity.INFO)[1] if d.severity is severity)

    def failed(self, strict: bool | None = None) -> bool:
        worst = {d.severity for d in self._both(False)[1]}
        strict = self.strict if strict is None else strict
        return Severity.ERROR in worst or (strict and Severity.WARNING in worst)

    def failing(self, severity: Severity) -> bool:
        """Whether findings of this severity fail the run (warnings do under --strict)."""
        return severity is Severity.ERROR or (self.strict and severity is Severity.WARNING)

    @property
    def invalid(self) -> int:
        return sum(1 for r in self.resources if not r.valid)

    def summary(self) -> str:
        total = self.total
        line = f"{total} resources, {total - self.invalid} valid, {self.invalid} invalid"
        errors, warnings = self.count(Severity.ERROR), self.count(Severity.WARNING)
        return f"{line}; {errors} errors, {warnings} warnings"

    def to_json(self) -> dict[str, object]:
        total = self.total
        return {
            "summary": {
                "resources": total,
                "valid": total - self.invalid,
                "invalid": self.invalid,
                "errors": self.count(Severity.ERROR),
                "warnings": self.count(Severity.WARNING),
                "infos": self.count(Severity.INFO),
            },
            "resources": [r.to_json() for r in self.every_resource()],
            "diagnostics": [d.to_json() for d in self.diagnostics()],
            "capacity": [row.to_json() for row in self.capacity],
            "notes": self.notes,
        }
