"""Validating a rendered repository: schema findings, GPU capacity and both policy layers, as a Report."""

from __future__ import annotations

import datetime

from generator import catalog
from generator.errors import Diagnostic, format_path
from generator.inputs.resolve import Resolved
from generator.inputs.spec import Environment
from generator.render.objects import RenderedObject, RenderedTree
from generator.schemas.messages import Finding
from generator.validate import capacity, ownership
from generator.validate.policy import apply
from generator.validate.policy.model import Policies
from generator.validate.report import Report, ResourceResult


def resource_result(rendered: RenderedObject, findings: list[Finding]) -> ResourceResult:
    result = ResourceResult(
        rendered.path, rendered.obj["kind"], rendered.obj["metadata"]["name"], rendered.environment, rendered.release
    )
    for path, message in findings:
        result.diagnostics.append(
            Diagnostic(
                message,
                rendered.locate(path),
                format_path(path),
                rule=catalog.KUBERNETES_SCHEMA,
                environment=rendered.environment,
                release=rendered.release,
                resource=rendered.resource,
                origin=rendered.origin,
            )
        )
    return result


def report(
    tree: RenderedTree,
    schema_findings: dict[str, list[Finding]],
    resolved: list[Resolved],
    environments: dict[str, Environment],
    policies: Policies,
    today: datetime.date,
) -> Report:
    """`schema_findings` by object key, as the pipeline computed them; waivers apply as of `today`."""
    out = Report()
    out.describe(policies)
    out.resources = [resource_result(obj, schema_findings.get(key, [])) for key, obj in tree.objects.items()]
    out.capacity = capacity.table(resolved, environments)
    out.findings.extend(capacity.findings(out.capacity, environments))
    # A manifest holds several objects: a finding belongs to the object it names in its file.
    by_object = {(r.path, f"{r.kind}/{r.name}"): r for r in out.resources}
    owned = [
        (
            o.environment,
            o.release,
            o.path,
            o.obj["metadata"].get("namespace") or "",
            o.obj["kind"],
            o.obj["metadata"]["name"],
        )
        for o in tree.objects.values()
    ]
    for diag in [*ownership.findings(owned), *apply.all_layers(policies, tree, environments, resolved, today)]:
        target = by_object.get((diag.location.file, diag.resource or "")) if diag.location else None
        (target.diagnostics if target else out.findings).append(diag)
    return out
