"""Which rules ever selected something: a rule whose select matches nothing enforces nothing.

`select: $.spec.template.spec.container[*]` (one letter short) passes every object, so it
would look like a rule that holds everywhere.  The engine notes, per rule, on how many
objects or effective specs it was tried and whether any select path found a node there;
over the whole repository, a rule tried somewhere that never found a node is a warning.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from generator import catalog
from generator.errors import Diagnostic, Severity
from generator.validate.policy.model import MANIFEST, Policies, Rule

_TARGETS = {MANIFEST: "rendered objects"}


@dataclass
class Coverage:
    tried: Counter[str] = field(default_factory=Counter)  # by rule id: objects or specs the rule was checked on
    selected: set[str] = field(default_factory=set)  # rule ids whose select found a node at least once

    def note(self, rule: Rule, found: bool) -> None:
        self.tried[rule.id] += 1
        if found:
            self.selected.add(rule.id)

    def unmatched(self, policies: Policies) -> list[Diagnostic]:
        """Warnings for the rules that were tried and never selected anything (only meaningful when every
        object and spec of the repository was evaluated)."""
        out = []
        for rule in policies.rules.values():
            tried = self.tried[rule.id]
            if not tried or rule.id in self.selected:
                continue
            paths = ", ".join(s.text for s in rule.selects)
            target = _TARGETS.get(rule.layer, "effective specs")
            location, field_path = rule.select_at or (rule.location, "")  # `$`, the default, matches anything
            out.append(
                Diagnostic(
                    f"rule {rule.id}: select {paths} matches nothing in the {tried} {target} the rule applies to, "
                    "so it enforces nothing; is a path misspelt?",
                    location,
                    field_path,
                    severity=Severity.WARNING,
                    rule=catalog.POLICY_UNMATCHED,
                )
            )
        return out
