"""Running the Jinja2 templates: a context in, Kubernetes objects out.  No file is written here.

Every `{{ expression }}` in a template is a *typed value*, never text spliced into YAML:
Jinja's `finalize` hook swaps each value for an opaque token, the template's YAML
skeleton is parsed, and the tokens are replaced by the values themselves.  A spec value
such as "x\\n---\\nkind: Secret" or "{{ 7*7 }}" therefore stays one literal string; it
cannot add keys, documents or template code.  Templates run in Jinja's sandbox with
StrictUndefined, and can only load other templates from the templates directories.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from generator import builtin
from generator.errors import InputError, TemplateError
from generator.inputs import yamlio
from generator.inputs.resolve import Resolved
from generator.inputs.sources import MissingFile, Source
from generator.inputs.spec import Environment
from generator.layout import TEMPLATES_DIR
from generator.render import argocd, skeleton, view
from generator.render import context as ctx

TEMPLATE_SUFFIX = ".yaml.j2"
SCOPES = ("release", "environment")
_TOP_ORDER = ("apiVersion", "kind", "metadata", "spec", "data", "stringData", "type")
_META_ORDER = ("name", "generateName", "namespace", "labels", "annotations", "finalizers")


def builtin_templates_dir() -> FsPath:
    """Templates shipped with the tool (see generator.builtin)."""
    return builtin.shipped(TEMPLATES_DIR)


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
            except MissingFile:
                pass  # a repository template adds to or overrides the built-in ones; any other refusal stands
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
        """The release templates' objects for one release in one environment (from its view: keys sorted)."""
        context = ctx.release_context(view.unit(resolved))
        return [(name, obj) for name in self.templates["release"] for obj in self._run(name, context)]

    def render_environment(
        self, env: Environment, releases: list[Resolved], kinds: set[tuple[str, str]]
    ) -> list[tuple[str, dict[str, Any]]]:
        """The environment templates' objects: its Argo CD project and applications (see generator.render.argocd)."""
        context = argocd.context(view.environment(env), releases, kinds)
        return [(name, obj) for name in self.templates["environment"] for obj in self._run(name, context)]
