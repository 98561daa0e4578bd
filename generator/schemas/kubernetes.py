"""Offline schema validation of rendered manifests, as kubeconform does it.

Core kinds are checked against the strict (no unknown fields) JSON schemas of the
environment's pinned Kubernetes version, bundled in the `kubernetes-validate` package.
Custom resources the tool emits (Argo CD, Argo Rollouts, KServe, Prometheus Operator,
External Secrets) are checked against the project's own strict schemas in
`generator/schemas/crds/`, which reuse the Kubernetes definitions of the same version for
embedded pod templates.  Nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path as FsPath
from typing import Any

import jsonschema_rs

from generator.schemas import shipped
from generator.schemas.shipped import Finding

K8S_DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")


class NoSchema(Exception):
    """No schema is known for an object's apiVersion and kind."""


@cache
def _schema_root() -> FsPath:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the kubernetes-validate package is not installed")
    return FsPath(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


@cache
def supported_versions() -> tuple[str, ...]:
    """Kubernetes minor versions whose strict schemas are bundled, oldest first."""
    found = []
    for entry in _schema_root().iterdir():
        match = re.fullmatch(r"v(1\.\d+)\.0-local-strict", entry.name)
        if match:
            found.append(match.group(1))
    return tuple(sorted(found, key=lambda v: int(v.split(".")[1])))


def minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def version_dir(version: str, strict: bool = True) -> FsPath:
    """kubernetes-validate's schemas of one version: strict (no unknown fields) or not."""
    return _schema_root() / f"v{minor(version)}.0-local{'-strict' if strict else ''}"


@cache
def definitions(version: str, strict: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((version_dir(version, strict) / "_definitions.json").read_text(encoding="utf-8"))
    return data


@cache
def _registry(version: str) -> jsonschema_rs.Registry:
    pairs = [*shipped.documents().items(), (K8S_DEFINITIONS_ID, definitions(version))]
    return jsonschema_rs.Registry(pairs)


def core_file(api_version: str, kind: str) -> str:
    """kubernetes-validate's file name for a kind: kind-group-version.json, the group cut at its first dot."""
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


@cache
def _crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """Project CRD schemas keyed by (apiVersion, kind), read from their x-kubernetes-group-version-kind."""
    out = {}
    for doc in shipped.documents().values():
        for gvk in doc.get("x-kubernetes-group-version-kind", []):
            out[(f"{gvk['group']}/{gvk['version']}", gvk["kind"])] = doc
    return out


@cache
def _validator(version: str, api_version: str, kind: str) -> tuple[Any, tuple[dict[str, Any], ...]]:
    crd = _crd_schemas().get((api_version, kind))
    if crd is not None:
        doc = crd
    else:
        path = version_dir(version) / core_file(api_version, kind)
        if not path.is_file():
            raise NoSchema(f"no schema for {kind} ({api_version}) in Kubernetes {minor(version)}")
        doc = json.loads(path.read_text(encoding="utf-8"))
    compiled = jsonschema_rs.validator_for(doc, registry=_registry(version), offline=True)
    return compiled, (doc, definitions(version), *shipped.documents().values())


def has_schema(version: str, api_version: str, kind: str) -> bool:
    try:
        _validator(version, api_version, kind)
    except NoSchema:
        return False
    return True


def validate(obj: dict[str, Any], version: str) -> list[Finding]:
    """Schema findings for one manifest; raises NoSchema for an unknown kind."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return [((), "a manifest needs string apiVersion and kind fields")]
    compiled, candidates = _validator(version, api_version, kind)
    findings = shipped.explain_all(compiled.iter_errors(obj), candidates)
    return findings + metadata_findings(obj)


def findings(obj: dict[str, Any], version: str) -> list[Finding]:
    """Schema findings, where a kind no schema knows is itself a finding."""
    try:
        return validate(obj, version)
    except NoSchema as exc:
        return [((), f"{exc}; refusing to emit an object no schema checks")]


def metadata_findings(obj: dict[str, Any]) -> list[Finding]:
    """What the API server would reject in metadata but the OpenAPI schemas do not say."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return [(("metadata",), "missing required field")]
    out: list[Finding] = []
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        out.append((("metadata", "name"), "missing required field"))
    elif len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
        out.append((("metadata", "name"), f"invalid name {name!r}: must be a DNS-1123 subdomain"))
    for field in ("labels", "annotations"):
        for key, value in (meta.get(field) or {}).items():
            prefix, _, local = key.rpartition("/")
            if (prefix and not _DNS_SUBDOMAIN.fullmatch(prefix)) or len(local) > 63 or not _LABEL_NAME.fullmatch(local):
                out.append((("metadata", field, key), f"invalid {field[:-1]} key {key!r}"))
            if field == "labels" and (
                not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.fullmatch(value)
            ):
                out.append((("metadata", field, key), f"invalid label value {value!r}"))
    return out
