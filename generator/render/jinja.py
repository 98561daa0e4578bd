"""Running the Jinja2 templates: a context in, Kubernetes objects out.  No file is written here.

Every `{{ expression }}` in a template is a *typed value*, never text spliced into YAML:
Jinja's `finalize` hook swaps each value for an opaque token, the template's YAML
skeleton is parsed, and the tokens are replaced by the values themselves.  A spec value
such as "x\\n---\\nkind: Secret" or "{{ 7*7 }}" therefore stays one literal string; it
cannot add keys, documents or template code.  Templates run in a sandbox with limits
(generator.render.sandbox) and StrictUndefined, and can only load other templates from the
templates directories; whatever fails in a run is a TemplateError at the template line
(generator.render.failures), naming the release and environment being rendered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path as FsPath
from typing import Any

import jinja2

from generator import builtin
from generator.errors import InputError, ModelOpsError, TemplateError
from generator.inputs import yamlio
from generator.inputs.resolve import Resolved
from generator.inputs.sources import MissingFile, Source
from generator.inputs.spec import Environment
from generator.layout import TEMPLATES_DIR
from generator.render import argocd, failures, sandbox, shared, skeleton, view
from generator.render import context as ctx

TEMPLATE_SUFFIX = ".yaml.j2"
SCOPES = ("release", "environment", "shared")
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
            filename = self._repo_path(template)
            try:
                text = yamlio.decode(self.source.read(filename), filename)
            except MissingFile:
                pass  # a repository template adds to or overrides the built-in ones; any other refusal stands
            else:
                sandbox.check_source(environment, text, filename)
                return text, filename, lambda: True
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


def _order(obj: dict[str, Any]) -> dict[str, Any]:
    ordered = {k: obj[k] for k in _TOP_ORDER if k in obj}
    ordered.update({k: v for k, v in obj.items() if k not in ordered})
    meta = ordered.get("metadata")
    if isinstance(meta, dict):
        new_meta = {k: meta[k] for k in _META_ORDER if k in meta}
        new_meta.update({k: v for k, v in meta.items() if k not in new_meta})
        ordered["metadata"] = new_meta
    return ordered


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates, kept in the user's render cache (private, as its entries are) per version of
    this code, whose options shape the compiled code: compiling the 33 built-in templates costs 0.2 s,
    a third of a one-release commit."""
    from generator.pipeline import cache as render_cache

    found = render_cache.default()
    if found is None:
        return None
    directory = found.directory / "templates" / render_cache.code_fingerprint()[:32]
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(directory))


class Renderer:
    def __init__(self, source: Source | None):
        self.loader = _Loader(source)
        self.jinja = sandbox.Sandbox(
            loader=self.loader,
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            finalize=skeleton.finalize,
            bytecode_cache=_bytecode_cache(),
        )
        self.jinja.filters["combine"] = _combine
        self.templates = {scope: self.loader.list_scope(scope) for scope in SCOPES}

    def _render(self, template: jinja2.Template, variables: dict[str, Any]) -> str:
        """The run's text, its size counted as it is produced (values count as they are printed)."""
        budget = self.jinja.budget
        chunks = []
        size = 0
        for chunk in template.generate(**variables):
            size += len(chunk)
            if size + budget.chars > sandbox.MAX_OUTPUT_CHARS:
                budget.spend(size)  # raises, naming the limit
            chunks.append(chunk)
        budget.spend(size)
        return "".join(chunks)

    def _run(self, name: str, context: dict[str, Any]) -> list[dict[str, Any]]:
        filename = f"{TEMPLATES_DIR}/{name}"
        self.jinja.budget = sandbox.Budget()
        values = skeleton.Values(self.jinja.budget)
        try:
            template = self.jinja.get_template(name)
            text = self._render(template, {**context, "_modelops_values": values})
        except ModelOpsError:
            raise  # a template file the loader refused, already named
        except Exception as exc:  # the template is user input: whatever it raised is its failure
            raise failures.template_error(exc, filename) from None

        def at_output(line: int, message: str) -> TemplateError:
            """A finding on output `line`, at the template line that printed it."""
            self.jinja.budget = sandbox.Budget()
            variables = {**context, "_modelops_values": skeleton.Values(self.jinja.budget)}
            source = self.loader.get_source(self.jinja, name)[0]
            offset = failures.offset_of_line(text, line)
            return TemplateError.at(message, filename, failures.output_line(template, source, variables, offset))

        try:
            docs = skeleton.documents(text, filename)
        except InputError as exc:
            diag = exc.diagnostics[0]
            line = diag.location.line if diag.location and diag.location.line else 1
            raise at_output(line, f"template output is not valid YAML: {diag.message} (output line {line})") from None
        out = []
        for number, (doc, base, line) in enumerate(docs, 1):
            try:
                obj = skeleton.substitute(doc, values.values, base)
            except skeleton.Misplaced as exc:
                where = text.count("\n", 0, max(text.find(exc.token), 0)) + 1
                raise at_output(where, str(exc)) from None
            problem = _not_an_object(obj)
            if problem:
                raise at_output(line, f"document {number} of the output is not a Kubernetes object: {problem}")
            out.append(_order(obj))
        return out

    def render_release(self, resolved: Resolved) -> list[tuple[str, dict[str, Any]]]:
        """The release templates' objects for one release in one environment (from its view: keys sorted)."""
        context = ctx.release_context(view.unit(resolved))
        return self._scope("release", context, f"release {resolved.name}", resolved.name, resolved.env.name)

    def render_environment(
        self,
        env: Environment,
        releases: list[Resolved],
        kinds: set[tuple[str, str]],
        release_kinds: Mapping[str, frozenset[tuple[str, str]]] | None = None,
    ) -> list[tuple[str, dict[str, Any]]]:
        """The environment templates' objects: its Argo CD project and applications (see generator.render.argocd)."""
        seen = view.environment(env)
        context = argocd.context(seen, releases, kinds, release_kinds)
        context["shared"] = shared.application(seen, argocd.repository_path(seen))
        return self._scope("environment", context, f"environment {env.name}", None, env.name)

    def render_shared(self, env: Environment) -> list[tuple[str, dict[str, Any]]]:
        """The objects of the environment's _shared unit: its spec.secrets (see generator.render.shared)."""
        context = shared.context(view.environment(env))
        return self._scope("shared", context, f"the shared secrets of environment {env.name}", None, env.name)

    def _scope(
        self, scope: str, context: dict[str, Any], subject: str, release: str | None, environment: str
    ) -> list[tuple[str, dict[str, Any]]]:
        """Every template of `scope` run on `context`; a failure says what was being rendered."""
        out: list[tuple[str, dict[str, Any]]] = []
        try:
            for name in self.templates[scope]:
                out.extend((name, obj) for obj in self._run(name, context))
        except TemplateError as exc:
            raise TemplateError(
                d.with_context(message=f"{d.message} (rendering {subject})", release=release, environment=environment)
                for d in exc.diagnostics
            ) from None
        return out


def _not_an_object(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return "it is not a mapping"
    for field in ("apiVersion", "kind"):
        if field not in obj:
            return f"it has no {field}"
        if not isinstance(obj[field], str) or not obj[field]:
            return f"{field} must be a non-empty string, got {obj[field]!r}"
    return None
