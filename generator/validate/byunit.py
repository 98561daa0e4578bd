"""Validating unit by unit: what one unit contributes to the report, and the report put together
from every unit's contribution.

`unit_result` runs the schema findings' locations and both policy layers on one unit alone,
before waivers; `assemble` joins the units in the repository's order, builds the capacity
table from their facts and applies the waivers as of today.  Together they give the same
report as generator.validate.repository on the whole tree (tests/unit/pipeline check it on
every fixture), so an incremental run can keep the contributions of the units it did not
render again.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from generator.inputs.resolve import Resolved
from generator.inputs.spec import Environment
from generator.pipeline.index import Facts, UnitResult
from generator.render.objects import RenderedObject, RenderedTree
from generator.schemas.messages import Finding
from generator.validate import capacity, hub, ownership
from generator.validate.policy import builtins, engine
from generator.validate.policy.coverage import Coverage
from generator.validate.policy.model import MANIFEST, Policies
from generator.validate.report import Report
from generator.validate.repository import resource_result


def owners_needed(policies: Policies, result: UnitResult) -> set[str]:
    """Releases whose effective spec the findings on these (environment-level) objects must point into:
    a rule with a `source` locates its finding in the spec of the release the object belongs to."""
    sourced = {rule.id for rule in policies.rules.values() if rule.source}
    return {d.release for d in (*result.node, *result.grouped) if d.rule in sourced and d.release}


def unit_result(
    facts: Facts,
    objects: list[RenderedObject],
    schema_findings: dict[str, list[Finding]],
    env: Environment,
    resolved: Resolved | None,
    policies: Policies,
    owners: Iterable[Resolved] = (),
) -> UnitResult:
    """One unit's resources and findings before waivers; `objects` are placed in their manifest.

    `resolved` is the release's effective spec (None for _argocd, whose findings may point into
    the specs of `owners`)."""
    tree = RenderedTree(objects={o.key: o for o in objects}, complete=False)
    coverage = Coverage()
    specs = [resolved] if resolved is not None else []
    found = engine.evaluate_manifests(policies, tree, {env.name: env}, [*specs, *owners], coverage)
    grouped_rules = {r.id for r in policies.active(env, MANIFEST) if r.builtin in builtins.RELEASE}
    spec = engine.evaluate_specs(policies, specs, coverage) + hub.findings(specs)
    return UnitResult(
        facts,
        [(o.obj["kind"], o.obj["metadata"]["name"], o.obj["metadata"].get("namespace") or "") for o in objects],
        {
            i: resource_result(o, schema_findings[o.key]).diagnostics
            for i, o in enumerate(objects)
            if schema_findings.get(o.key)
        },
        [d for d in found if d.rule not in grouped_rules],
        [d for d in found if d.rule in grouped_rules],
        spec,
        dict(coverage.tried),
        frozenset(coverage.selected),
    )


def assemble(
    units: list[UnitResult],
    environments: dict[str, Environment],
    policies: Policies,
    today: datetime.date,
    complete: bool = True,
) -> Report:
    """The report of the whole repository from its units, in the order of their directories."""
    out = Report()
    out.describe(policies)
    out.resources = [r for u in units for r in u.resources()]
    order = {name: depth for depth, name in enumerate(environments)}
    releases = sorted(
        (u for u in units if u.facts.release is not None),
        key=lambda u: (order[u.facts.environment], u.facts.release or ""),
    )
    uses = [(u.facts.environment, u.facts.release or "", *u.facts.gpu) for u in releases if u.facts.gpu]
    out.capacity = capacity.table_of(uses, environments)
    out.findings.extend(capacity.findings(out.capacity, environments))
    coverage = Coverage()
    for u in units:
        coverage.tried.update(u.tried)
        coverage.selected |= u.selected
    found = [d for u in units for d in u.node] + [d for u in units for d in u.grouped]
    found += [d for u in releases for d in u.spec]
    owned = [
        (u.facts.environment, u.facts.release, manifest, ns, kind, name)
        for u in units
        for manifest in [u.manifest()]
        for kind, name, ns in u.objects
    ]
    diagnostics = ownership.findings(owned) + engine.apply_waivers(policies, found, today) + policies.warnings
    if complete:
        diagnostics += coverage.unmatched(policies)
    # A finding belongs to the object it names in its manifest; looked up per unit, not over 28k objects.
    starts: dict[str, tuple[int, UnitResult]] = {}
    position = 0
    for u in units:
        starts[u.manifest()] = (position, u)
        position += len(u.objects)
    for diag in diagnostics:
        start = starts.get(diag.location.file) if diag.location and diag.resource else None
        kind, _, name = (diag.resource or "").partition("/")
        at = next((i for i, o in enumerate(start[1].objects) if o[:2] == (kind, name)), None) if start else None
        if start is not None and at is not None:
            out.resources[start[0] + at].diagnostics.append(diag)
        else:
            out.findings.append(diag)
    return out
