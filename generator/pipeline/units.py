"""Units of work: one release rendered in one environment, with its YAML text and schema findings.

A unit comes from the render cache when the hash of everything it depends on (the code, the
templates and the unit's view: generator.render.view) matches an entry; otherwise it is
rendered (in worker processes when there are many) and stored, so every command that
renders (render, validate, check, diff, commit), with or without --env, reads and fills the
cache the same way.  `produce` gives the whole pipeline each unit's objects; `build` gives an
incremental run each unit built whole in the worker (resolved, checked, rendered or taken
from the cache, its cache entry written there, filed, encoded, validated: bytes and
findings), `environment_unit` an environment's _argocd from its units' facts alone, and
`shared_unit` its _shared from the environment file alone.
"""

from __future__ import annotations

import functools
from collections.abc import Generator, Mapping

from generator import layout
from generator.errors import InputError
from generator.inputs.merge import Merged
from generator.inputs.resolve import Resolved
from generator.inputs.spec import Environment, Release
from generator.inputs.yamlio import Document
from generator.pipeline import workers
from generator.pipeline.cache import Produced, RenderCache
from generator.pipeline.index import Facts, UnitResult
from generator.render import emitter, view
from generator.render.jinja import Renderer
from generator.render.objects import RenderedTree
from generator.schemas import lookup
from generator.schemas.messages import Finding
from generator.validate import byunit, capacity
from generator.validate.policy.model import Policies


def render_unit(renderer: Renderer, item: Resolved) -> list[Produced]:
    """Render, emit and schema-check one unit (pure: it runs in a worker as well as here)."""
    out: list[Produced] = []
    schemas = lookup.rendered(item.env.kubernetes_version)
    for template, obj in renderer.render_release(item):
        schemas.normalise(obj)
        try:
            text = emitter.dump(obj)
        except (TypeError, ValueError):
            text = ""  # RenderedTree.add writes it again and reports the error with the file's path
        out.append((template, obj, text, schemas.findings(obj)))
    return out


def key(cache: RenderCache, templates: str, item: Resolved) -> str:
    """The cache key of one unit: the code, the templates and the unit's view (generator.render.view)."""
    return cache.key(templates, *view.key_parts(item))


def produce(
    renderer: Renderer, items: list[Resolved], cache: RenderCache | None, templates: str
) -> Generator[list[Produced], None, None]:
    """Each item's unit, in the order of `items`: from the cache, or rendered and stored in it."""
    keys = {(item.env.name, item.name): key(cache, templates, item) for item in items} if cache is not None else {}
    cached: dict[tuple[str, str], list[Produced]] = {}
    if cache is not None:
        for unit, unit_key in keys.items():
            found = cache.lookup(unit_key)
            if found is not None:
                cached[unit] = found
    misses = [item for item in items if (item.env.name, item.name) not in cached]
    fresh = workers.produce(functools.partial(render_unit, renderer), misses)
    try:
        for item in items:
            unit = (item.env.name, item.name)
            produced = cached.get(unit)
            if produced is None:
                produced = next(fresh)
                if cache is not None:
                    cache.store(keys[unit], produced)
            yield produced
    finally:
        fresh.close()  # stops the worker pool when an error ends the run early


def file_unit(
    tree: RenderedTree, item: Resolved, produced: list[Produced], templates: str
) -> tuple[dict[str, list[Finding]], set[tuple[str, str]]]:
    """File one unit's objects in `tree`, then its provenance, computed from what it rendered;
    returns their schema findings by object key and the (group, kind) pairs they have."""
    from generator.repo import provenance

    directory = layout.release_path(item.env.name, item.name)
    origin = item.release.doc.locate(("metadata", "name"))
    found: dict[str, list[Finding]] = {}
    texts: dict[str, str] = {}
    kinds: set[tuple[str, str]] = set()
    for template, obj, text, findings in produced:
        added = tree.add(
            directory, template, obj, text or None, environment=item.env.name, release=item.name, origin=origin
        )
        found[added.key] = findings
        texts[added.key] = added.text
        kinds.add((obj["apiVersion"].rpartition("/")[0], obj["kind"]))
    meta = provenance.metadata(item, templates, texts)
    tree.metadata[layout.metadata_path(item.env.name, item.name)] = provenance.text(meta)
    return found, kinds


Built = tuple[dict[str, bytes], UnitResult]  # a unit's files, and what validating it found


def _build(
    renderer: Renderer,
    templates: str,
    policies: Policies,
    cache: RenderCache | None,
    job: tuple[Release, Environment],
) -> tuple[bool, Built]:
    """Everything one unit needs, in a worker: resolved and checked, rendered (unless the cache has it,
    else stored there), filed, encoded and validated; returns whether the cache had it, and its Built.
    Only bytes and findings go back to the parent: the objects stay here."""
    from generator.inputs import resolve
    from generator.validate import checks

    item = resolve.resolve(*job)
    problems = checks.check(item)
    if problems:
        raise InputError(problems)
    unit_key = key(cache, templates, item) if cache is not None else ""
    produced = cache.lookup(unit_key) if cache is not None else None
    hit = produced is not None
    if produced is None:
        produced = render_unit(renderer, item)
        if cache is not None:
            cache.write(unit_key, produced)
    tree = RenderedTree(complete=False)
    found, kinds = file_unit(tree, item, produced, templates)
    tree.objects = dict(sorted(tree.objects.items()))
    files = tree.files()
    facts = Facts(
        item.env.name,
        item.name,
        str(item.release.metadata["team"]),
        str(item.get("model", "version")),
        frozenset(kinds),
        capacity.gpu_use(item),
    )
    result = byunit.unit_result(facts, list(tree.objects.values()), found, item.env, item, policies)
    return hit, (files, result)


def build(
    renderer: Renderer,
    jobs: list[tuple[Release, Environment]],
    cache: RenderCache | None,
    templates: str,
    policies: Policies,
) -> Generator[Built, None, None]:
    """Each release's unit in its environment, built whole (in worker processes when there are many: resolving
    and checking too), in the order of `jobs`; an InputError for the first whose effective spec is wrong."""
    done = workers.produce(functools.partial(_build, renderer, templates, policies, cache), jobs)
    try:
        for hit, built in done:
            if cache is not None:
                cache.hits += hit
                cache.misses += not hit
            yield built
    finally:
        done.close()


def shared_unit(renderer: Renderer, env: Environment, tree: RenderedTree) -> tuple[dict[str, list[Finding]], Facts]:
    """File the environment's _shared objects (its spec.secrets) in `tree`; returns their schema findings
    by key and the unit's facts.  Call it only for an environment that declares secrets."""
    directory = layout.shared_path(env.name)
    origin = env.doc.locate(("spec", "secrets"))
    schemas = lookup.rendered(env.kubernetes_version)
    found: dict[str, list[Finding]] = {}
    kinds: set[tuple[str, str]] = set()
    for template, obj in renderer.render_shared(env):
        schemas.normalise(obj)
        added = tree.add(directory, template, obj, environment=env.name, origin=origin)
        found[added.key] = schemas.findings(obj)
        kinds.add((obj["apiVersion"].rpartition("/")[0], obj["kind"]))
    return found, Facts(env.name, None, kinds=frozenset(kinds), shared=True)


def environment_unit(
    renderer: Renderer, env: Environment, members: list[Facts], spec_files: Mapping[str, str]
) -> tuple[RenderedTree, dict[str, list[Finding]]]:
    """An environment's _argocd from its units' facts alone (a release's name, team and rendered kinds:
    all that its templates read of a release; the kinds of _shared, which the AppProject must admit),
    with the objects' schema findings by key; `spec_files`: release -> spec path."""
    stand_ins = [
        Resolved(
            Release(str(f.release), Document(spec_files[str(f.release)], {"metadata": {"team": f.team}})),
            env,
            Merged({}),
        )
        for f in members
        if f.release is not None
    ]
    kinds = {kind for f in members for kind in f.kinds}
    directory = layout.argocd_path(env.name)
    tree = RenderedTree(complete=False)
    origin = env.doc.locate(("metadata", "name"))
    schemas = lookup.rendered(env.kubernetes_version)
    found: dict[str, list[Finding]] = {}
    each = {f.release: f.kinds for f in members if f.release is not None}
    for template, obj in renderer.render_environment(env, stand_ins, kinds, each):
        schemas.normalise(obj)
        added = tree.add(directory, template, obj, environment=env.name, origin=origin)
        found[added.key] = schemas.findings(obj)
    return tree, found
