"""Policies as data: rules in policies/*.yaml checked against rendered manifests and effective specs.

policies = policy.load(source)                                   # PolicyError on a malformed file
findings = policy.evaluate(policies, built.tree, built.inputs.environments, built.resolved, today)
findings = policy.evaluate_specs(policies, resolved, today)      # spec layer only (pre-commit)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from generator.errors import Diagnostic
from generator.policy import engine
from generator.policy.loader import POLICIES_DIR, load
from generator.policy.model import MANIFEST, SPEC, Policies, Rule, Waiver
from generator.resolve import Resolved
from generator.spec import Environment

if TYPE_CHECKING:  # rendering pulls in Jinja; the pre-commit hook checks specs without it
    from generator.render import RenderedTree


def evaluate(
    policies: Policies,
    tree: RenderedTree,
    environments: dict[str, Environment],
    resolved: list[Resolved],
    today: datetime.date,
) -> list[Diagnostic]:
    """Both layers, waivers applied."""
    found = engine.evaluate_manifests(policies, tree, environments, resolved)
    found += engine.evaluate_specs(policies, resolved)
    return engine.apply_waivers(policies, found, today)


def evaluate_specs(policies: Policies, resolved: Iterable[Resolved], today: datetime.date) -> list[Diagnostic]:
    """The spec layer only, waivers applied (unused-waiver warnings are left to a full validate)."""
    return engine.apply_waivers(policies, engine.evaluate_specs(policies, resolved), today, report_unused=False)


__all__ = ["MANIFEST", "POLICIES_DIR", "SPEC", "Policies", "Rule", "Waiver", "evaluate", "evaluate_specs", "load"]
