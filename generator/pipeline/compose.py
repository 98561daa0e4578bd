"""The stages composed: load -> resolve -> check -> render -> validate.

Each stage is a plain function; commands call `build` and `validate` and decide what to
write or commit.  Nothing here touches the disk except through the Source it is given.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.errors import Diagnostic, InputError, PolicyError, TemplateError, UsageError, format_path
from generator.inputs import resolve, spec
from generator.inputs.resolve import Resolved
from generator.inputs.sources import Source
from generator.inputs.spec import Inputs
from generator.pipeline import cache as render_cache
from generator.render.jinja import RenderedTree, render
from generator.schemas import kubernetes
from generator.validate import capacity, checks
from generator.validate.policy import apply, loader, model
from generator.validate.report import Report, ResourceResult


@dataclass
class Build:
    inputs: Inputs
    resolved: list[Resolved]
    tree: RenderedTree
    policies: model.Policies
    cache: render_cache.RenderCache | None = None


def select_environments(inputs: Inputs, names: tuple[str, ...] | None) -> Inputs:
    if not names:
        return inputs
    unknown = [n for n in names if n not in inputs.environments]
    if unknown:
        raise UsageError(f"unknown environment {unknown[0]!r}; known: {', '.join(inputs.environments)}")
    kept = {n: e for n, e in inputs.environments.items() if n in names}
    return Inputs(kept, inputs.releases)


_DEFAULT_CACHE: Any = object()


def build(
    source: Source,
    environments: tuple[str, ...] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    cache: render_cache.RenderCache | None = _DEFAULT_CACHE,
) -> Build:
    """Load, resolve, check and render; raises InputError, PolicyError or TemplateError on bad input.

    `cache` defaults to the user's render cache (none with MODELOPS_NO_CACHE); pass None to render everything.
    """
    if cache is _DEFAULT_CACHE:
        cache = render_cache.default()
    inputs = select_environments(spec.load_inputs(source), environments)
    policies = loader.load(source)
    resolved = resolve.resolve_all(inputs)
    checks.check_all(resolved)
    tree = render(source, resolved, inputs.environments, progress=progress, cache=cache)
    tree.complete = not environments
    return Build(inputs, resolved, tree, policies, cache)


def _resource_result(obj_path: str, built: Build) -> ResourceResult:
    rendered = built.tree.objects[obj_path]
    env = built.inputs.environments[rendered.environment]
    result = ResourceResult(
        obj_path, rendered.obj["kind"], rendered.obj["metadata"]["name"], rendered.environment, rendered.release
    )
    findings = rendered.schema_findings
    if findings is None:
        findings = rendered.schema_findings = kubernetes.findings(rendered.obj, env.kubernetes_version)
    if built.cache is not None and rendered.cache_slot is not None:
        built.cache.fill(rendered.cache_slot, rendered.text, findings)
    for path, message in findings:
        result.diagnostics.append(
            Diagnostic(
                message,
                rendered.locate(path),
                format_path(path),
                rule="kubernetes-schema",
                environment=rendered.environment,
                release=rendered.release,
                resource=rendered.resource,
                origin=rendered.origin,
            )
        )
    return result


def validate(built: Build, today: datetime.date | None = None) -> Report:
    """Kubernetes and CRD schemas, GPU capacity, and both policy layers (waivers as of `today`)."""
    report = Report()
    report.describe(built.policies)
    report.resources = [_resource_result(path, built) for path in built.tree.objects]
    report.capacity = capacity.table(built.resolved, built.inputs.environments)
    report.findings.extend(capacity.findings(report.capacity, built.inputs.environments))
    by_path = {r.path: r for r in report.resources}
    found = apply.all_layers(
        built.policies, built.tree, built.inputs.environments, built.resolved, today or datetime.date.today()
    )
    for diag in found:
        target = by_path.get(diag.location.file) if diag.location else None
        (target.diagnostics if target else report.findings).append(diag)
    if built.cache is not None:
        built.cache.flush()
    return report


def evaluate(
    source: Source,
    environments: tuple[str, ...] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[Build | None, Report]:
    """Build and validate; bad input becomes report findings instead of an exception."""
    try:
        built = build(source, environments, progress)
    except (InputError, PolicyError, TemplateError) as exc:
        report = Report(findings=list(exc.diagnostics))
        report.notes.append("stopped before rendering: fix the input errors above")
        return None, report
    return built, validate(built)


def versions(built: Build) -> dict[tuple[str, str], str]:
    """(environment, release) -> model version, for commit trailers."""
    return {(r.env.name, r.name): str(r.get("model", "version")) for r in built.resolved}
