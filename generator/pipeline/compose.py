"""The stages composed: inputs -> resolve -> check -> render -> validate.

`build` loads, resolves and checks the inputs, then renders every unit (one release in one
environment; see units), each environment's shared secrets and Argo CD objects, and computes
each release's provenance from what it rendered.  `validate` turns a Build into a Report.  Commands call
these two and decide what to write or commit; nothing here touches the disk except through
the Source it is given and the render cache.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from generator import clock, layout
from generator.errors import InputError, PolicyError, TemplateError
from generator.inputs import resolve, spec
from generator.inputs.resolve import Resolved
from generator.inputs.sources import Source
from generator.inputs.spec import Inputs
from generator.pipeline import cache as render_cache
from generator.pipeline import units
from generator.pipeline.cache import Produced
from generator.pipeline.progress import Progress
from generator.render import shared
from generator.render.jinja import Renderer
from generator.render.objects import RenderedTree
from generator.schemas import lookup
from generator.schemas.messages import Finding
from generator.validate import checks, repository
from generator.validate.policy import loader, model
from generator.validate.report import Report


@dataclass
class Build:
    """Everything one render produced, ready to validate, write or compare."""

    inputs: Inputs
    resolved: list[Resolved]
    tree: RenderedTree
    policies: model.Policies
    schema_findings: dict[str, list[Finding]]  # by object key (RenderedObject.key)


def select_environments(inputs: Inputs, names: tuple[str, ...] | None) -> Inputs:
    if not names:
        return inputs
    kept = {spec.environment(inputs, name).name: inputs.environments[name] for name in names}
    return Inputs({n: e for n, e in inputs.environments.items() if n in kept}, inputs.releases)


_DEFAULT_CACHE: Any = object()


def build(
    source: Source,
    environments: tuple[str, ...] | None = None,
    progress: Progress | None = None,
    cache: render_cache.RenderCache | None = _DEFAULT_CACHE,
    cross_check: bool = True,
) -> Build:
    """Load, resolve, check and render; raises InputError, PolicyError or TemplateError on bad input.

    `cache` defaults to the user's render cache (none with MODELOPS_NO_CACHE); pass None to render everything.
    `cross_check=False` renders past the cross-field checks (schemas still stop it): for reports about
    what would render, such as `requirements`, where an undeclared capability is a row, not a stop.
    """
    if cache is _DEFAULT_CACHE:
        cache = render_cache.default()
    inputs = select_environments(spec.load_inputs(source), environments)
    policies = loader.load(source)
    resolved = resolve.resolve_all(inputs)
    if cross_check:
        checks.check_all(resolved)
    renderer = Renderer(source)
    templates = renderer.loader.fingerprint()
    by_env: dict[str, list[Resolved]] = {env: [] for env in inputs.environments}
    for item in resolved:
        by_env[item.env.name].append(item)
    ordered = [item for items in by_env.values() for item in items]
    tree = RenderedTree(scopes=[layout.environment_path(env) for env in inputs.environments])
    tree.complete = not environments
    findings: dict[str, list[Finding]] = {}
    produced = units.produce(renderer, ordered, cache, templates)
    done = 0
    try:
        for env_name, env in inputs.environments.items():
            kinds: set[tuple[str, str]] = set()
            each: dict[str, frozenset[tuple[str, str]]] = {}
            for item in by_env[env_name]:
                done += 1
                if progress:
                    progress(f"{env_name}/{item.name}", done, len(ordered))
                each[item.name] = _add_unit(tree, findings, item, next(produced), templates, kinds)
            if shared.declared(env):
                found, facts = units.shared_unit(renderer, env, tree)
                findings.update(found)
                kinds.update(facts.kinds)  # the AppProject admits them
            origin = env.doc.locate(("metadata", "name"))
            schemas = lookup.rendered(env.kubernetes_version)
            for template, obj in renderer.render_environment(env, by_env[env_name], kinds, each):
                schemas.normalise(obj)
                added = tree.add(layout.argocd_path(env_name), template, obj, environment=env_name, origin=origin)
                findings[added.key] = schemas.findings(obj)
    finally:
        produced.close()
    tree.objects = dict(sorted(tree.objects.items()))
    tree.place()
    if cache is not None:
        cache.flush()
    return Build(inputs, resolved, tree, policies, findings)


def _add_unit(
    tree: RenderedTree,
    findings: dict[str, list[Finding]],
    item: Resolved,
    produced: list[Produced],
    templates: str,
    kinds: set[tuple[str, str]],
) -> frozenset[tuple[str, str]]:
    """Adds the unit's objects and findings; returns its (group, kind) pairs, also added to `kinds`."""
    found, unit_kinds = units.file_unit(tree, item, produced, templates)
    findings.update(found)
    kinds.update(unit_kinds)
    return frozenset(unit_kinds)


def validate(built: Build, today: datetime.date | None = None) -> Report:
    """Kubernetes and CRD schemas, GPU capacity, and both policy layers (waivers as of `today`)."""
    return repository.report(
        built.tree,
        built.schema_findings,
        built.resolved,
        built.inputs.environments,
        built.policies,
        today or clock.today(),
    )


def evaluate(
    source: Source,
    environments: tuple[str, ...] | None = None,
    progress: Progress | None = None,
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
