"""`diff --base REF` from the units that can differ, not from two whole renders.

A unit renders the same bytes from the same inputs, so when REF and the working tree hold the
same environment files, templates and policy files (blob for blob: the common case of a pull
request that edits specs), only the releases whose spec differs can render differently, and
an environment's _argocd only when the names, teams or rendered kinds of its releases do.
Those are rendered on both sides (REF's from git objects, the working tree's as it is) and
compared object by object as before; everything else is known to be equal from the blob ids
alone.  Whenever the inputs shared by every unit differ, or either side fails to render,
this returns None and the command renders both trees whole, as it always did.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import git

from generator import layout
from generator.errors import InputError, RepositoryError, TemplateError
from generator.inputs import resolve, spec
from generator.inputs.sources import GitTree, Source, WorkTree
from generator.inputs.spec import Environment
from generator.pipeline import cache as render_cache
from generator.pipeline import units
from generator.pipeline.incremental import Outcome
from generator.pipeline.index import Facts
from generator.render.jinja import Renderer
from generator.render.objects import RenderedTree
from generator.repo import commits, plumbing

_SHARED = (layout.ENVIRONMENTS_DIR, layout.TEMPLATES_DIR, layout.POLICIES_DIR)


def trees(repo: git.Repo, root: Path, base: str, outcome: Outcome) -> tuple[RenderedTree, RenderedTree] | None:
    """(REF's, the working tree's) objects of the units that may differ; None: render both whole."""
    at = commits.prefix(repo, root)
    gitx = commits.plumbing_of(repo)
    try:
        base_source = GitTree(repo, base, at)  # refuses a REF a shallow clone lacks, as the whole path says
    except RepositoryError:
        return None
    rev = base_source.commit.hexsha
    head_blobs = outcome.blobs()
    for directory in _SHARED:
        then = gitx.tree_files(rev, at + directory)
        if any(mode != plumbing.REGULAR for mode, _ in then.values()):
            return None
        now = {p: b for p, b in head_blobs.items() if p.startswith(directory + "/")}
        if {p.removeprefix(at): b for p, (_, b) in then.items()} != now:
            return None
    then_specs = {
        p.removeprefix(at): b
        for p, (_, b) in gitx.tree_files(rev, at + layout.RELEASES_DIR).items()
        if p.endswith((".yaml", ".yml")) and not posixpath.basename(p).startswith(".")
    }
    now_specs = outcome.spec_blobs()
    changed = sorted(p for p in {*then_specs, *now_specs} if then_specs.get(p) != now_specs.get(p))
    try:
        base_tree, base_facts = _render(base_source, [p for p in changed if p in then_specs])
        head_tree, head_facts = _render(WorkTree(root), [p for p in changed if p in now_specs])
    except (InputError, TemplateError):
        return None
    names = {_stem(p) for p in changed}
    # The environment files are the same on both sides, so _shared is too; its kinds count for _argocd.
    unchanged = [f for f in outcome.facts if (f.release is not None or f.shared) and f.release not in names]
    files = {_stem(p): p for p in {*then_specs, *now_specs}}
    renderers: dict[str, Renderer] = {}  # one per side, made only when an environment's Applications differ
    for env in outcome.environments.values():
        then_members = _members(env, [*unchanged, *base_facts])
        now_members = _members(env, [*unchanged, *head_facts])
        if _summary(then_members) != _summary(now_members):
            sides: tuple[tuple[str, RenderedTree, list[Facts], Source], ...] = (
                ("base", base_tree, then_members, base_source),
                ("head", head_tree, now_members, WorkTree(root)),
            )
            for side, tree, members, source in sides:
                renderer = renderers.get(side)
                if renderer is None:
                    renderer = renderers[side] = Renderer(source)
                unit, _ = units.environment_unit(renderer, env, members, files)
                tree.objects.update(unit.objects)
    for tree in (base_tree, head_tree):
        tree.objects = dict(sorted(tree.objects.items()))
        tree.place()
    return base_tree, head_tree


def _stem(path: str) -> str:
    """Path(path).stem, without a Path for each of 20,000 specs."""
    return posixpath.splitext(posixpath.basename(path))[0]


def _members(env: Environment, facts: list[Facts]) -> list[Facts]:
    return sorted((f for f in facts if f.environment == env.name), key=lambda f: f.release or "")


def _summary(members: list[Facts]) -> list[tuple[str | None, str, list[tuple[str, str]]]]:
    return [(f.release, f.team, sorted(f.kinds)) for f in members]


def _render(source: Source, paths: list[str]) -> tuple[RenderedTree, list[Facts]]:
    """The units of the releases at `paths` in `source`, and their facts (as the index would hold them)."""
    tree = RenderedTree(complete=False)
    if not paths:
        return tree, []
    environments = spec.load_environments(source)
    items = [
        resolve.resolve(release, environments[env])
        for release in (spec.load_release(source, path, environments) for path in paths)
        for env in environments
        if env in release.environments
    ]
    renderer = Renderer(source)
    templates = renderer.loader.fingerprint()
    facts = []
    for item, produced in zip(items, units.produce(renderer, items, render_cache.default(), templates), strict=True):
        _, kinds = units.file_unit(tree, item, produced, templates)
        facts.append(Facts(item.env.name, item.name, str(item.release.metadata["team"]), "", frozenset(kinds)))
    return tree, facts
