"""Units of work: one release rendered in one environment, with its YAML text and schema findings.

A unit comes from the render cache when the hash of everything it depends on matches an
entry; otherwise it is rendered (in worker processes when there are many) and stored, so
every command that renders (render, validate, check, diff, commit) reads and fills the
cache the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Generator

from generator.inputs.resolve import Resolved
from generator.inputs.spec import Environment
from generator.pipeline import workers
from generator.pipeline.cache import Produced, RenderCache
from generator.render import emitter
from generator.render.jinja import Renderer
from generator.repo import provenance
from generator.schemas import lookup


def render_unit(renderer: Renderer, item: Resolved) -> list[Produced]:
    """Render, emit and schema-check one unit (pure: it runs in a worker as well as here)."""
    out: list[Produced] = []
    schemas = lookup.rendered(item.env.kubernetes_version)
    for template, obj in renderer.render_release(item):
        schemas.normalise(obj)
        try:
            text = emitter.dump(obj, track=False)[0]
        except (TypeError, ValueError):
            text = ""  # RenderedTree.add writes it again and reports the error with the file's path
        out.append((template, obj, text, schemas.findings(obj)))
    return out


def _keys(
    items: list[Resolved], environments: dict[str, Environment], cache: RenderCache, templates: str
) -> dict[tuple[str, str], str]:
    """(environment, release) -> cache key; one key per release (an entry holds every environment)."""
    environments_hash = provenance.data_hash({name: [env.file, env.doc.data] for name, env in environments.items()})
    by_release: dict[str, str] = {}
    for item in items:
        if item.name not in by_release:
            by_release[item.name] = cache.key(templates, item.release.file, item.release.doc.data, environments_hash)
    return {(item.env.name, item.name): by_release[item.name] for item in items}


def produce(
    renderer: Renderer,
    items: list[Resolved],
    environments: dict[str, Environment],
    cache: RenderCache | None,
    templates: str,
) -> Generator[list[Produced], None, None]:
    """Each item's unit, in the order of `items`: from the cache, or rendered and stored in it."""
    keys = _keys(items, environments, cache, templates) if cache is not None else {}
    cached: dict[tuple[str, str], list[Produced]] = {}
    if cache is not None:
        for unit, key in keys.items():
            found = cache.lookup(key, unit[0])
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
                    cache.store(keys[unit], item.env.name, produced)
            yield produced
    finally:
        fresh.close()  # stops the worker pool when an error ends the run early
