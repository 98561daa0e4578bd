"""The Kubernetes JSON Schemas bundled in the `kubernetes-validate` package, read offline.

One directory per Kubernetes minor version, strict (no unknown fields) and not; one file
per kind, named kind-group-version.json; `_definitions.json` holds the shared definitions
that the project's CRD schemas also refer to (for embedded pod templates and ObjectMeta).
Nothing is downloaded.  Which schema applies to an object is generator.schemas.lookup's job.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache, lru_cache
from pathlib import Path as FsPath
from typing import Any

from generator.schemas.messages import Finding

K8S_DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")


def dns_subdomain(name: str) -> bool:
    """Whether `name` is a valid name for most Kubernetes objects (a DNS-1123 subdomain)."""
    return len(name) <= 253 and _DNS_SUBDOMAIN.fullmatch(name) is not None


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


def core_file(api_version: str, kind: str) -> str:
    """kubernetes-validate's file name for a kind: kind-group-version.json, the group cut at its first dot."""
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


def core_schema(version: str, strict: bool, api_version: str, kind: str) -> dict[str, Any]:
    """The bundled schema of a core kind; raises NoSchema when the version has none."""
    path = version_dir(version, strict) / core_file(api_version, kind)
    if not path.is_file():
        raise NoSchema(f"no schema for {kind} ({api_version}) in Kubernetes {minor(version)}")
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def metadata_findings(obj: dict[str, Any]) -> list[Finding]:
    """What the API server would reject in metadata but the OpenAPI schemas do not say.

    Labels or annotations that are no mapping of string keys (the schema findings already say
    so) are not read, so that any input, not only rendered objects, can be checked.
    """
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return [(("metadata",), "missing required field")]
    out: list[Finding] = []
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        out.append((("metadata", "name"), "missing required field"))
    elif not dns_subdomain(name):
        out.append((("metadata", "name"), f"invalid name {name!r}: must be a DNS-1123 subdomain"))
    for field in ("labels", "annotations"):
        entries = meta.get(field)
        if not isinstance(entries, dict):
            continue
        for key, value in entries.items():
            if not isinstance(key, str):
                continue
            if not _valid_key(key):
                out.append((("metadata", field, key), f"invalid {field[:-1]} key {key!r}"))
            if field == "labels" and not (isinstance(value, str) and _valid_label_value(value)):
                out.append((("metadata", field, key), f"invalid label value {value!r}"))
    return out


# Keys and values repeat in every object (app.kubernetes.io/name, modelops.io/release, ...): each is matched once.
@lru_cache(maxsize=1 << 14)
def _valid_key(key: str) -> bool:
    prefix, _, local = key.rpartition("/")
    return (
        not (prefix and not _DNS_SUBDOMAIN.fullmatch(prefix))
        and len(local) <= 63
        and bool(_LABEL_NAME.fullmatch(local))
    )


@lru_cache(maxsize=1 << 14)
def _valid_label_value(value: str) -> bool:
    return len(value) <= 63 and bool(_LABEL_VALUE.fullmatch(value))
