"""Rendering: Jinja2 templates + contexts -> manifests in memory.  No file is written here.

Every `{{ expression }}` in a template is a *typed value*, never text spliced into YAML:
Jinja's `finalize` hook swaps each value for an opaque token, the template's YAML
skeleton is parsed, and the tokens are replaced by the values themselves.  A spec value
such as "x\\n---\\nkind: Secret" or "{{ 7*7 }}" therefore stays one literal string; it
cannot add keys, documents or template code.  Templates run in Jinja's sandbox with
StrictUndefined, and can only load other templates from the templates directories.
"""

from __future__ import annotations

import hashlib
import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path as FsPath
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from generator import builtin
from generator.errors import InputError, Location, Path, TemplateError
from generator.inputs import yamlio
from generator.inputs.resolve import Resolved
from generator.inputs.sources import Source
from generator.inputs.spec import Environment
from generator.pipeline import workers
from generator.pipeline.cache import Produced, RenderCache
from generator.render import context as ctx
from generator.render import skeleton
from generator.repo import provenance

TEMPLATES_DIR = "templates"
TEMPLATE_SUFFIX = ".yaml.j2"
SCOPES = ("release", "environment")
_TOP_ORDER = ("apiVersion", "kind", "metadata", "spec", "data", "stringData", "type")
_META_ORDER = ("name", "generateName", "namespace", "labels", "annotations", "finalizers")


def builtin_templates_dir() -> FsPath:
    """Templates shipped with the tool (see generator.builtin)."""
    return builtin.shipped(TEMPLATES_DIR)


@dataclass
class RenderedObject:
    path: str  # repository-relative, e.g. rendered/dev/llama/deployment-llama.yaml
    obj: dict[str, Any]
    text: str
    environment: str
    template: str
    release: str | None = None
    origin: Location | None = None  # the release spec (or environment file) that produced it
    schema_findings: list[tuple[Path, str]] | None = None  # known already when it came from the cache
    cache_slot: tuple[str, str, int] | None = None  # (entry key, environment, index) awaiting schema findings

    @property
    def resource(self) -> str:
        return f"{self.obj['kind']}/{self.obj['metadata']['name']}"

    @cached_property
    def lines(self) -> dict[Path, tuple[int, int]]:
        """(line, column) of every field in `text`; emitted again only when a finding needs a line."""
        return yamlio.dump(self.obj)[1]

    def locate(self, path: Path) -> Location:
        probe = tuple(path)
        while probe and probe not in self.lines:
            probe = probe[:-1]
        line, column = self.lines.get(probe, (1, 1))
        return Location(self.path, line, column)


@dataclass
class RenderedTree:
    objects: dict[str, RenderedObject] = field(default_factory=dict)
    # Directories this render owns entirely: anything else found in them is stale.
    scopes: list[str] = field(default_factory=list)
    # Every environment was rendered, so directories of environments that no longer exist are stale.
    complete: bool = True
    # Files beside the manifests that are not Kubernetes objects: each release's provenance.
    metadata: dict[str, str] = field(default_factory=dict)

    def files(self) -> dict[str, bytes]:
        out = {path: obj.text.encode() for path, obj in self.objects.items()}
        out.update((path, text.encode()) for path, text in self.metadata.items())
        return dict(sorted(out.items()))


class _Loader(jinja2.BaseLoader):
    """Templates from the repository's templates/ first, then the built-in ones."""

    def __init__(self, source: Source | None):
        self.source = source
        self.builtin = builtin_templates_dir()

    def _repo_path(self, name: str) -> str:
        return f"{TEMPLATES_DIR}/{name}"

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if template.startswith("/") or ".." in template.split("/"):
            raise jinja2.TemplateNotFound(template)
        if self.source is not None:
            try:
                raw = self.source.read(self._repo_path(template))
                return yamlio.decode(raw, self._repo_path(template)), self._repo_path(template), lambda: True
            except InputError:
                pass
        path = self.builtin / template
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        return path.read_text(encoding="utf-8"), f"{TEMPLATES_DIR}/{template}", lambda: True

    def fingerprint(self) -> str:
        """Hash of every template this loader could load: the render cache's view of templates/."""
        digest = hashlib.sha256()
        for path in sorted(p for p in self.builtin.rglob("*") if p.is_file()):
            digest.update(b"builtin/" + path.relative_to(self.builtin).as_posix().encode() + b"\0" + path.read_bytes())
        if self.source is not None and self.source.is_dir(TEMPLATES_DIR):
            for rel in self.source.walk(TEMPLATES_DIR):
                try:
                    data = self.source.read(rel)
                except InputError as exc:  # the loader skips such a file; its refusal still counts
                    data = str(exc).encode()
                digest.update(rel.encode() + b"\0" + data)
        return digest.hexdigest()

    def list_scope(self, scope: str) -> list[str]:
        found = {p.name for p in (self.builtin / scope).iterdir() if p.is_file()}
        if self.source is not None:
            found |= {p.rsplit("/", 1)[-1] for p in self.source.list(f"{TEMPLATES_DIR}/{scope}", (TEMPLATE_SUFFIX,))}
        return sorted(f"{scope}/{n}" for n in found if n.endswith(TEMPLATE_SUFFIX) and not n.startswith("_"))


def _combine(base: dict[str, Any], *more: dict[str, Any]) -> dict[str, Any]:
    """Mappings merged left to right, keys sorted (labels and annotations)."""
    merged = dict(base)
    for extra in more:
        merged.update(extra)
    return dict(sorted(merged.items()))


def _template_line(exc: BaseException, filename: str) -> int | None:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == filename:
            return frame.lineno
    return getattr(exc, "lineno", None)


def _order(obj: dict[str, Any]) -> dict[str, Any]:
    ordered = {k: obj[k] for k in _TOP_ORDER if k in obj}
    ordered.update({k: v for k, v in obj.items() if k not in ordered})
    meta = ordered.get("metadata")
    if isinstance(meta, dict):
        new_meta = {k: meta[k] for k in _META_ORDER if k in meta}
        new_meta.update({k: v for k, v in meta.items() if k not in new_meta})
        ordered["metadata"] = new_meta
    return ordered


class Renderer:
    def __init__(self, source: Source | None):
        self.loader = _Loader(source)
        self.jinja = ImmutableSandboxedEnvironment(
            loader=self.loader,
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            finalize=skeleton.finalize,
        )
        self.jinja.filters["combine"] = _combine
        self.templates = {scope: self.loader.list_scope(scope) for scope in SCOPES}

    def _run(self, name: str, context: dict[str, Any]) -> list[dict[str, Any]]:
        values = skeleton.Values()
        filename = f"{TEMPLATES_DIR}/{name}"
        try:
            template = self.jinja.get_template(name)
            text = template.render(**context, _modelops_values=values)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError.at(f"template syntax error: {exc.message}", filename, exc.lineno) from None
        except jinja2.UndefinedError as exc:
            raise TemplateError.at(f"undefined value: {exc.message}", filename, _template_line(exc, filename)) from None
        except SecurityError as exc:
            raise TemplateError.at(
                f"template tried an unsafe operation: {exc}", filename, _template_line(exc, filename)
            ) from None
        except jinja2.TemplateError as exc:
            raise TemplateError.at(f"template error: {exc}", filename, _template_line(exc, filename)) from None
        try:
            docs = skeleton.documents(text, filename)
        except InputError as exc:
            diag = exc.diagnostics[0]
            raise TemplateError.at(
                f"template output is not valid YAML: {diag.message} (output line "
                f"{diag.location.line if diag.location else '?'})",
                filename,
            ) from None
        out = []
        for doc, base in docs:
            obj = skeleton.substitute(doc, values.values[base:] if base else values.values, filename)
            if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
                raise TemplateError.at("every document a template renders must be a Kubernetes object", filename)
            out.append(_order(obj))
        return out

    def render_release(self, resolved: Resolved) -> list[tuple[str, dict[str, Any]]]:
        context = ctx.release_context(resolved)
        return [(name, obj) for name in self.templates["release"] for obj in self._run(name, context)]

    def render_environment(self, env: Environment, context: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        return [(name, obj) for name in self.templates["environment"] for obj in self._run(name, context)]


def _file_name(obj: dict[str, Any]) -> str:
    return f"{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"


def _emit(
    tree: RenderedTree, directory: str, template: str, obj: dict[str, Any], text: str | None = None, **provenance: Any
) -> RenderedObject:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name):
        raise TemplateError.at(
            f"rendered a {obj['kind']} without a valid metadata.name ({name!r})", f"{TEMPLATES_DIR}/{template}"
        )
    path = f"{directory}/{_file_name(obj)}"
    if path in tree.objects:
        raise TemplateError.at(
            f"two objects render to {path} (also from {tree.objects[path].template})", f"{TEMPLATES_DIR}/{template}"
        )
    if text is None:
        try:
            text, _ = yamlio.dump(obj, track=False)
        except (TypeError, ValueError) as exc:
            raise TemplateError.at(f"cannot write {path}: {exc}", f"{TEMPLATES_DIR}/{template}") from None
    rendered = RenderedObject(path, obj, text, template=template, **provenance)
    tree.objects[path] = rendered
    return rendered


@dataclass
class _Plan:
    """Which releases come from the cache, and the rendered rest, in the order they are emitted."""

    by_env: dict[str, list[Resolved]]
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    cached: dict[tuple[str, str], list[Produced]] = field(default_factory=dict)

    def misses(self) -> list[Resolved]:
        return [i for items in self.by_env.values() for i in items if (i.env.name, i.name) not in self.cached]


def _plan(
    resolved: Iterable[Resolved], environments: dict[str, Environment], cache: RenderCache | None, templates: str
) -> _Plan:
    plan = _Plan({env: [] for env in environments})
    for item in resolved:
        plan.by_env[item.env.name].append(item)
    if cache is None:
        return plan
    # One key per release (an entry holds every environment); the environments' part is hashed once.
    environments_hash = provenance.data_hash({name: [env.file, env.doc.data] for name, env in environments.items()})
    by_release: dict[str, str] = {}
    for env_name, items in plan.by_env.items():
        for item in items:
            key = by_release.get(item.name)
            if key is None:
                key = by_release[item.name] = cache.key(
                    templates, item.release.file, item.release.doc.data, environments_hash
                )
            plan.keys[env_name, item.name] = key
            found = cache.lookup(key, env_name)
            if found is not None:
                plan.cached[env_name, item.name] = found
    return plan


def render(
    source: Source | None,
    resolved: Iterable[Resolved],
    environments: dict[str, Environment],
    progress: Callable[[str, int, int], None] | None = None,
    cache: RenderCache | None = None,
) -> RenderedTree:
    """Render every resolved release and every environment's Argo CD objects.

    Releases the cache holds are taken from it; the others are rendered, on several cores
    when there are many (see `workers`), and staged in the cache.
    """
    renderer = Renderer(source)
    templates = renderer.loader.fingerprint()
    plan = _plan(resolved, environments, cache, templates)
    tree = RenderedTree(scopes=[f"{ctx.RENDERED_DIR}/{env}" for env in environments])
    fresh = workers.produce(renderer.render_release, plan.misses())
    total, done = sum(len(items) for items in plan.by_env.values()), 0
    try:
        for env_name, env in environments.items():
            kinds: set[tuple[str, str]] = set()
            for item in plan.by_env[env_name]:
                done += 1
                if progress:
                    progress(f"{env_name}/{item.name}", done, total)
                objects, slot = plan.cached.get((env_name, item.name)), None
                if objects is None:
                    objects = next(fresh)
                    if cache is not None:
                        slot = plan.keys[env_name, item.name]
                        cache.stage(slot, env_name, [(t, o) for t, o, *_ in objects])
                emitted = _emit_release(tree, item, objects, slot, kinds)
                tree.metadata[provenance.path(env_name, item.name)] = provenance.text(
                    provenance.metadata(item, templates, {r.path: r.text for r in emitted})
                )
            env_context = environment_context(env, plan.by_env[env_name], kinds)
            origin = env.doc.locate(("metadata", "name"))
            for template, obj in renderer.render_environment(env, env_context):
                _emit(tree, ctx.argocd_path(env_name), template, obj, environment=env_name, origin=origin)
    finally:
        fresh.close()  # stops the worker pool when an error ends the run early
    tree.objects = dict(sorted(tree.objects.items()))
    return tree


def _emit_release(
    tree: RenderedTree, item: Resolved, objects: list[Produced], slot: str | None, kinds: set[tuple[str, str]]
) -> list[RenderedObject]:
    directory = ctx.release_path(item.env.name, item.name)
    origin = item.release.doc.locate(("metadata", "name"))
    emitted = []
    for index, (template, obj, text, findings) in enumerate(objects):
        rendered = _emit(
            tree, directory, template, obj, text, environment=item.env.name, release=item.name, origin=origin
        )
        rendered.schema_findings = findings
        rendered.cache_slot = (slot, item.env.name, index) if slot else None
        kinds.add((obj["apiVersion"].rpartition("/")[0], obj["kind"]))
        emitted.append(rendered)
    return emitted


def environment_context(env: Environment, releases: list[Resolved], kinds: set[tuple[str, str]]) -> dict[str, Any]:
    return {
        "env": ctx.environment(env),
        "gitops": ctx.gitops(env),
        "destination": ctx.destination(env),
        "sync_policy": ctx.sync_policy(env),
        "waves": ctx.WAVES,
        "argocd_path": ctx.argocd_path(env.name),
        "rendered_dir": ctx.RENDERED_DIR,
        "argocd_dir": ctx.ARGOCD_DIR,
        "resource_kinds": [{"group": g, "kind": k} for g, k in sorted(kinds)],
        "releases": [
            {
                "name": r.name,
                "team": r.release.metadata["team"],
                "application": ctx.application_name(r.name, env.name),
                "path": ctx.release_path(env.name, r.name),
                "labels": {
                    "app.kubernetes.io/managed-by": ctx.MANAGED_BY,
                    "modelops.io/environment": env.name,
                    "modelops.io/release": r.name,
                    "modelops.io/team": r.release.metadata["team"],
                },
            }
            for r in releases
        ],
    }
