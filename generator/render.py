"""Rendering: Jinja2 templates + contexts -> manifests in memory.  No file is written here.

Every `{{ expression }}` in a template is a *typed value*, never text spliced into YAML:
Jinja's `finalize` hook swaps each value for an opaque token, the template's YAML
skeleton is parsed, and the tokens are replaced by the values themselves.  A spec value
such as "x\\n---\\nkind: Secret" or "{{ 7*7 }}" therefore stays one literal string; it
cannot add keys, documents or template code.  Templates run in Jinja's sandbox with
StrictUndefined, and can only load other templates from the templates directories.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path as FsPath
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from generator import context as ctx
from generator import yamlio
from generator.errors import InputError, Location, Path, TemplateError
from generator.resolve import Resolved
from generator.sources import Source
from generator.spec import Environment

TEMPLATES_DIR = "templates"
TEMPLATE_SUFFIX = ".yaml.j2"
SCOPES = ("release", "environment")
_TOKEN = re.compile(r"__mo_v(\d+)__")
_TOP_ORDER = ("apiVersion", "kind", "metadata", "spec", "data", "stringData", "type")
_META_ORDER = ("name", "generateName", "namespace", "labels", "annotations", "finalizers")


@cache
def builtin_templates_dir() -> FsPath:
    """Templates shipped with the tool: inside the wheel, or at the top of a source checkout."""
    package = FsPath(__file__).resolve().parent
    for candidate in (package / "_builtin" / "templates", package.parent / TEMPLATES_DIR):
        if (candidate / "release").is_dir():
            return candidate
    raise RuntimeError("modelops is installed without its templates")


@dataclass
class RenderedObject:
    path: str  # repository-relative, e.g. rendered/dev/llama/deployment-llama.yaml
    obj: dict[str, Any]
    text: str
    lines: dict[Path, tuple[int, int]]  # (line, column) of every field in `text`
    environment: str
    template: str
    release: str | None = None
    origin: Location | None = None  # the release spec (or environment file) that produced it

    @property
    def resource(self) -> str:
        return f"{self.obj['kind']}/{self.obj['metadata']['name']}"

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

    def files(self) -> dict[str, bytes]:
        return {path: obj.text.encode() for path, obj in sorted(self.objects.items())}


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

    def list_scope(self, scope: str) -> list[str]:
        found = {p.name for p in (self.builtin / scope).iterdir() if p.is_file()}
        if self.source is not None:
            found |= {p.rsplit("/", 1)[-1] for p in self.source.list(f"{TEMPLATES_DIR}/{scope}", (TEMPLATE_SUFFIX,))}
        return sorted(f"{scope}/{n}" for n in found if n.endswith(TEMPLATE_SUFFIX) and not n.startswith("_"))


class _Values:
    """Collects the values of one template run; `token` is Jinja's finalize hook."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def token(self, value: Any) -> str:
        if isinstance(value, jinja2.Undefined):
            str(value)  # StrictUndefined raises, naming the variable
        self.values.append(value)
        return f"__mo_v{len(self.values) - 1}__"


@jinja2.pass_context
def _finalize(context: jinja2.runtime.Context, value: Any) -> str:
    # finalize is fixed when the environment is built; each run's collector travels in the context.
    collector: _Values = context["_modelops_values"]
    return collector.token(value)


def _combine(base: dict[str, Any], *more: dict[str, Any]) -> dict[str, Any]:
    """Mappings merged left to right, keys sorted (labels and annotations)."""
    merged = dict(base)
    for extra in more:
        merged.update(extra)
    return dict(sorted(merged.items()))


def _plain(value: Any, template: str) -> Any:
    """Only JSON-like data may reach a manifest."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v, template) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, template) for v in value]
    raise TemplateError.at(f"a {type(value).__name__} cannot be written to a manifest", template)


def _substitute(node: Any, values: list[Any], template: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            new_key = _substitute(key, values, template)
            if not isinstance(new_key, str):
                raise TemplateError.at(f"a mapping key must be a string, got {new_key!r}", template)
            out[new_key] = _substitute(value, values, template)
        return out
    if isinstance(node, list):
        return [_substitute(item, values, template) for item in node]
    if isinstance(node, str) and "__mo_v" in node:
        whole = _TOKEN.fullmatch(node)
        if whole:
            return _plain(values[int(whole.group(1))], template)
        raise TemplateError.at(
            "a {{ }} value is part of a longer string; build the whole string inside the braces, "
            'e.g. {{ name ~ "-suffix" }}',
            template,
        )
    return node


@cache
def _skeleton(text: str, template: str) -> tuple[Any, ...]:
    return tuple(yamlio.load_stream(text, f"{template} (output)"))


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
            finalize=_finalize,
        )
        self.jinja.filters["combine"] = _combine
        self.templates = {scope: self.loader.list_scope(scope) for scope in SCOPES}

    def _run(self, name: str, context: dict[str, Any]) -> list[dict[str, Any]]:
        values = _Values()
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
            docs = _skeleton(text, filename)
        except InputError as exc:
            diag = exc.diagnostics[0]
            raise TemplateError.at(
                f"template output is not valid YAML: {diag.message} (output line "
                f"{diag.location.line if diag.location else '?'})",
                filename,
            ) from None
        out = []
        for doc in docs:
            obj = _substitute(doc, values.values, filename)
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


def _emit(tree: RenderedTree, directory: str, template: str, obj: dict[str, Any], **provenance: Any) -> None:
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
    try:
        text, lines = yamlio.dump(obj)
    except (TypeError, ValueError) as exc:
        raise TemplateError.at(f"cannot write {path}: {exc}", f"{TEMPLATES_DIR}/{template}") from None
    tree.objects[path] = RenderedObject(path, obj, text, lines, template=template, **provenance)


def render(
    source: Source | None,
    resolved: Iterable[Resolved],
    environments: dict[str, Environment],
    progress: Callable[[str], None] | None = None,
) -> RenderedTree:
    """Render every resolved release and every environment's Argo CD objects."""
    renderer = Renderer(source)
    tree = RenderedTree(scopes=[f"{ctx.RENDERED_DIR}/{env}" for env in environments])
    by_env: dict[str, list[Resolved]] = {env: [] for env in environments}
    for item in resolved:
        by_env[item.env.name].append(item)
    for env_name, env in environments.items():
        kinds: set[tuple[str, str]] = set()
        for item in by_env[env_name]:
            if progress:
                progress(f"{env_name}/{item.name}")
            directory = ctx.release_path(env_name, item.name)
            origin = item.release.doc.locate(("metadata", "name"))
            for template, obj in renderer.render_release(item):
                _emit(tree, directory, template, obj, environment=env_name, release=item.name, origin=origin)
                kinds.add((obj["apiVersion"].rpartition("/")[0], obj["kind"]))
        env_context = environment_context(env, by_env[env_name], kinds)
        origin = env.doc.locate(("metadata", "name"))
        for template, obj in renderer.render_environment(env, env_context):
            _emit(tree, ctx.argocd_path(env_name), template, obj, environment=env_name, origin=origin)
    tree.objects = dict(sorted(tree.objects.items()))
    return tree


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
