"""Policies as data, applied: both layers of rules with their waivers.

policies = loader.load(source)                                        # PolicyError on a malformed file
findings = apply.all_layers(policies, tree, environments, resolved, today)
findings = apply.spec_layer(policies, resolved, today)                # spec layer only (pre-commit)

Both add the loader's warnings (no rules at all) and, when they see the whole repository, a
warning for each rule whose select matched nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from generator.errors import Diagnostic
from generator.inputs.resolve import Resolved
from generator.inputs.spec import Environment
from generator.validate import hub
from generator.validate.policy import engine
from generator.validate.policy.coverage import Coverage
from generator.validate.policy.model import Policies

if TYPE_CHECKING:  # rendering pulls in Jinja; the pre-commit hook checks specs without it
    from generator.render.objects import RenderedTree


def all_layers(
    policies: Policies,
    tree: RenderedTree,
    environments: dict[str, Environment],
    resolved: list[Resolved],
    today: datetime.date,
) -> list[Diagnostic]:
    """Both layers, waivers applied; unmatched rules are reported when `tree` holds every environment."""
    coverage = Coverage()
    found = engine.evaluate_manifests(policies, tree, environments, resolved, coverage)
    found += engine.evaluate_specs(policies, resolved, coverage) + hub.findings(resolved)
    # A waiver of an environment left out (--env) matches nothing here: it is unused only when all are in.
    out = engine.apply_waivers(policies, found, today, report_unused=tree.complete) + policies.warnings
    return out + coverage.unmatched(policies) if tree.complete else out


def spec_layer(
    policies: Policies, resolved: Iterable[Resolved], today: datetime.date, complete: bool = False
) -> list[Diagnostic]:
    """The spec layer only, waivers applied (unused-waiver warnings are left to a full validate);
    `complete`: `resolved` holds every release, so spec rules that matched nothing are reported."""
    coverage = Coverage()
    found = engine.evaluate_specs(policies, resolved, coverage)
    out = engine.apply_waivers(policies, found, today, report_unused=False) + policies.warnings
    return out + coverage.unmatched(policies) if complete else out
