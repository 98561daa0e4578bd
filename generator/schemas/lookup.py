"""Which schema an object is checked against: the one lookup of repository mode and `validate PATH`.

In this order:

1. `--schema-location` files and directories (validate PATH only): JSON Schema files named
   `{kind}_{version}.json` (or `{group}_{kind}_{version}.json`, or `{group}/{kind}_{version}.json`
   as in the usual CRD catalogs; lowercase), and CRD YAML files, converted on load (see crd);
2. the project's own custom resource schemas (`generator/schemas/crds/`);
3. the Kubernetes schemas of the chosen version bundled in `kubernetes-validate`.

The trust rule: the project's CRD schemas describe only the fields modelops writes, so they
apply only to objects labelled `app.kubernetes.io/managed-by: modelops`.  Every object the
built-in templates render carries that label; anyone else's Application or Rollout (a
multi-source Application, a Rollout with workloadRef) would be called invalid by them, so it
needs its schema from --schema-location, and without one is reported as having no schema.

Strict mode uses the schemas as written: kubernetes-validate's strict ones and the project's
CRD schemas, which is what rendered objects are always checked against.  Non-strict mode
(`validate PATH` without --strict) uses kubernetes-validate's non-strict schemas and the
project's CRD schemas with their `additionalProperties: false` taken out, so unknown fields
pass, as kubeconform without -strict lets them.  User JSON Schema files are used as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path as FsPath
from typing import Any

import jsonschema_rs

from generator import catalog
from generator.errors import InputError, UsageError, format_path
from generator.inputs.files import NotRegular, read_regular
from generator.manifests import reader
from generator.schemas import crd, integers, kubernetes, shipped
from generator.schemas.messages import Finding, explain_all

# Pinned, not "the newest bundled", so that a kubernetes-validate upgrade never changes a verdict.
DEFAULT_KUBERNETES_VERSION = "1.33"
SCHEMA_RULE = catalog.SCHEMA_LOCATION

_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?")

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "modelops"


def kubernetes_version(text: str | None) -> str:
    """`1.30`, `1.30.4` or `v1.30` as the minor version whose schemas are bundled."""
    supported = kubernetes.supported_versions()
    match = _VERSION.fullmatch((text or DEFAULT_KUBERNETES_VERSION).strip())
    version = f"{match.group(1)}.{match.group(2)}" if match else None
    if version not in supported:
        raise UsageError(
            f"--kubernetes-version {text}: not supported; the bundled schemas cover {', '.join(supported)}"
        )
    return version


def relax(doc: Any) -> Any:
    """A copy of a JSON Schema that admits unknown fields: every `additionalProperties: false` dropped."""
    if isinstance(doc, dict):
        return {k: relax(v) for k, v in doc.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(doc, list):
        return [relax(v) for v in doc]
    return doc


@cache
def _project_documents(strict: bool) -> dict[str, dict[str, Any]]:
    docs = shipped.documents()
    return docs if strict else {uri: relax(doc) for uri, doc in docs.items()}


@cache
def _registry(version: str, strict: bool) -> jsonschema_rs.Registry:
    pairs = [
        *_project_documents(strict).items(),
        (kubernetes.K8S_DEFINITIONS_ID, kubernetes.definitions(version, strict)),
    ]
    return jsonschema_rs.Registry(pairs)


def _candidates(doc: dict[str, Any], version: str, strict: bool) -> tuple[dict[str, Any], ...]:
    """Where messages.explain looks up the schema an error came from (for "did you mean")."""
    return (doc, kubernetes.definitions(version, strict), *_project_documents(strict).values())


def _compile(doc: Any, version: str, strict: bool) -> Any:
    return jsonschema_rs.validator_for(doc, registry=_registry(version, strict), offline=True)


@cache
def _project_crds(strict: bool) -> dict[tuple[str, str], dict[str, Any]]:
    """The project's CRD schemas by (apiVersion, kind), read from their x-kubernetes-group-version-kind."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for doc in _project_documents(strict).values():
        for gvk in doc.get("x-kubernetes-group-version-kind", []):
            out.setdefault((f"{gvk['group']}/{gvk['version']}", gvk["kind"]), doc)
    return out


@cache
def _builtin(
    version: str, strict: bool, api_version: str, kind: str, ours: bool
) -> tuple[Any, tuple[dict[str, Any], ...]]:
    """The schema of a core kind, or of a custom resource modelops rendered (`ours`: the trust rule)."""
    doc = _project_crds(strict).get((api_version, kind))
    if doc is not None and not ours:
        raise kubernetes.NoSchema(
            f"no schema for {kind} ({api_version}) not rendered by modelops (the built-in one covers "
            f"only objects labelled {MANAGED_BY_LABEL}: {MANAGED_BY})"
        )
    if doc is None:
        doc = kubernetes.core_schema(version, strict, api_version, kind)
    return _compile(doc, version, strict), _candidates(doc, version, strict)


# ------------------------------------------------------------------ --schema-location


class SchemaLookup:
    """The schema lookup of one run: a Kubernetes version, strictness and the user's locations."""

    def __init__(self, version: str, strict: bool, locations: Sequence[FsPath | str] = ()):
        self.version = kubernetes.minor(version)
        self.strict = strict
        self._converted: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}  # from CRD YAML
        self._named: dict[tuple[str | None, str, str], str] = {}  # (group, kind, version) -> JSON file
        self._compiled: dict[tuple[str, str, str], tuple[Any, tuple[dict[str, Any], ...]]] = {}
        for location in locations:
            self._index(FsPath(location))

    def _index(self, location: FsPath) -> None:
        if not location.exists():
            raise UsageError(f"--schema-location {location}: no such file or directory")
        files = [location.as_posix()] if location.is_file() else reader.expand([location])
        for file in files:
            if file.lower().endswith(".json"):
                self._index_json(FsPath(file), location)
            else:
                self._index_crds(file)

    def _index_json(self, file: FsPath, root: FsPath) -> None:
        parts = file.name[: -len(".json")].lower().split("_")
        if len(parts) == 3:
            group: str | None = parts[0]
            kind, version = parts[1:]
        elif len(parts) == 2:
            kind, version = parts
            parent = file.parent
            group = parent.name if parent != root and "." in parent.name else None
        else:
            return  # not named like a schema of a kind (e.g. _definitions.json)
        if kind and version:
            self._named.setdefault((group, kind, version), file.as_posix())

    def _index_crds(self, file: str) -> None:
        try:
            raw = read_regular(file, reader.MAX_BYTES)
        except NotRegular as exc:
            raise InputError.at(exc.message, file, rule=SCHEMA_RULE) from None
        except OSError as exc:
            raise InputError.at(f"cannot read the file: {exc.strerror}", file, rule=SCHEMA_RULE) from None
        found, errors = reader.parse(raw, file)
        if errors:
            raise InputError([d.with_context(rule=SCHEMA_RULE) for d in errors])
        for manifest in found:
            if not crd.is_crd(manifest.obj):
                continue  # a kustomization.yaml or README next to the CRDs
            try:
                converted = crd.convert(manifest.obj, self.strict)
            except crd.CRDError as exc:
                loc = manifest.locate(exc.path)
                raise InputError.at(
                    exc.message, loc.file, loc.line, loc.column, format_path(exc.path), rule=SCHEMA_RULE
                ) from None
            for key, doc in converted.items():
                self._converted.setdefault(key, (file, doc))  # the first location that has a kind wins

    def _user(self, api_version: str, kind: str) -> tuple[Any, tuple[dict[str, Any], ...]] | None:
        """The compiled --schema-location schema of an (apiVersion, kind), if one is given."""
        source: tuple[str, Any] | None = self._converted.get((api_version, kind))
        if source is None:
            group, _, version = api_version.rpartition("/")
            file = self._named.get((group or None, kind.lower(), version)) or self._named.get(
                (None, kind.lower(), version)
            )
            if file is None:
                return None
            source = (file, None)
        file, doc = source
        key = (file, api_version, kind)
        if key in self._compiled:
            return self._compiled[key]
        if doc is None:
            try:
                raw = read_regular(file, reader.MAX_BYTES)
                if len(raw) > reader.MAX_BYTES:
                    raise ValueError(f"file is larger than the limit of {reader.MAX_BYTES} bytes")
                doc = json.loads(raw.decode("utf-8"))
            except NotRegular as exc:
                raise InputError.at(exc.message, file, rule=SCHEMA_RULE) from None
            except (OSError, ValueError) as exc:
                raise InputError.at(f"cannot read the JSON Schema: {exc}", file, rule=SCHEMA_RULE) from None
        try:
            compiled = _compile(doc, self.version, self.strict)
        except ValueError as exc:
            reason = str(exc).split("\n", 1)[0]
            raise InputError.at(f"the schema of {kind} does not compile: {reason}", file, rule=SCHEMA_RULE) from None
        entry = (compiled, _candidates(doc, self.version, self.strict))
        self._compiled[key] = entry
        return entry

    def validate(self, obj: dict[str, Any]) -> list[Finding]:
        """Findings for one object with string apiVersion and kind; raises kubernetes.NoSchema."""
        api_version, kind = obj["apiVersion"], obj["kind"]
        user = self._user(api_version, kind)
        meta = obj.get("metadata")
        labels = meta.get("labels") if isinstance(meta, dict) else None
        ours = isinstance(labels, dict) and labels.get(MANAGED_BY_LABEL) == MANAGED_BY
        compiled, candidates = user or _builtin(self.version, self.strict, api_version, kind, ours)
        return explain_all(compiled.iter_errors(obj), candidates) + kubernetes.metadata_findings(obj)

    def normalise(self, obj: dict[str, Any]) -> None:
        """Integral floats in the object's integer fields become ints (see integers), before it is written."""
        if not integers.has_float(obj) or not isinstance(obj.get("apiVersion"), str) or not isinstance(
            obj.get("kind"), str
        ):
            return
        try:
            _, candidates = self._user(obj["apiVersion"], obj["kind"]) or _builtin(
                self.version, self.strict, obj["apiVersion"], obj["kind"], True
            )
        except kubernetes.NoSchema:
            return  # findings() reports it
        documents = {**shipped.by_file_name(), "_definitions.json": kubernetes.definitions(self.version, self.strict)}
        integers.normalise(obj, candidates[0], documents)

    def findings(self, obj: dict[str, Any]) -> list[Finding]:
        """Schema findings of an object modelops is about to emit: an unknown kind is itself a finding."""
        if not isinstance(obj.get("apiVersion"), str) or not isinstance(obj.get("kind"), str):
            return [((), "a manifest needs string apiVersion and kind fields")]
        try:
            return self.validate(obj)
        except kubernetes.NoSchema as exc:
            return [((), f"{exc}; refusing to emit an object no schema checks")]


@cache
def rendered(version: str) -> SchemaLookup:
    """The lookup for rendered objects: strict, no --schema-location (one per Kubernetes version)."""
    return SchemaLookup(version, strict=True)
