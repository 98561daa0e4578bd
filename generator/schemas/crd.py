"""CustomResourceDefinition → JSON Schema, so that custom resources are checked like core kinds.

A CRD's `openAPIV3Schema` is OpenAPI 3.0 with Kubernetes extensions, not JSON Schema.  This
module rewrites each served version's schema into a JSON Schema (draft 2020-12) document of the
same shape as the project's own CRD schemas in `generator/schemas/crds/`:

- `nullable: true` adds "null" to the type (and to an enum);
- `x-kubernetes-int-or-string: true` becomes `type: [integer, string]`;
- `x-kubernetes-preserve-unknown-fields: true` leaves the object open; otherwise, in strict mode,
  an object that lists `properties` gets `additionalProperties: false`, which is what the API
  server's field validation (`kubectl apply --validate=strict`) rejects as unknown fields;
- OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` become JSON Schema's numbers;
- `x-kubernetes-list-type: set` becomes `uniqueItems: true`;
- `apiVersion`, `kind` and `metadata` are added at the top (metadata as the Kubernetes ObjectMeta),
  and to embedded resources.

CEL rules (`x-kubernetes-validations`) and list-map key uniqueness are not checked: they need
the API server.  The functions here are pure: data in, data out.
"""

from __future__ import annotations

from typing import Any

from generator.errors import Path
from generator.schemas.kubernetes import K8S_DEFINITIONS_ID

# Resolved against the Kubernetes definitions of the chosen version, which the validator's registry holds.
OBJECT_META = {"$ref": K8S_DEFINITIONS_ID + "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
CRD_API_VERSION = "apiextensions.k8s.io/v1"
_COMBINATORS = ("allOf", "anyOf", "oneOf")
_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]


class CRDError(Exception):
    """A CRD that cannot be converted; `path` is the field inside the CRD document."""

    def __init__(self, path: Path, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


def is_crd(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and obj.get("kind") == "CustomResourceDefinition"
        and str(obj.get("apiVersion", "")).startswith("apiextensions.k8s.io/")
    )


def _get(data: Any, path: Path, expected: type) -> Any:
    node = data
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    if not isinstance(node, expected) or (expected is str and not node):
        nouns: dict[type, str] = {str: "a non-empty string", list: "a list", dict: "a mapping"}
        raise CRDError(path, f"expected {nouns[expected]}")
    return node


def convert(crd: dict[str, Any], strict: bool) -> dict[tuple[str, str], dict[str, Any]]:
    """JSON Schemas of a CRD's served versions, keyed by (apiVersion, kind)."""
    if crd.get("apiVersion") != CRD_API_VERSION:
        raise CRDError(
            ("apiVersion",),
            f"only {CRD_API_VERSION} CustomResourceDefinitions can be converted "
            "(apiextensions.k8s.io/v1beta1 was removed in Kubernetes 1.22)",
        )
    group = _get(crd, ("spec", "group"), str)
    kind = _get(crd, ("spec", "names", "kind"), str)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for index, version in enumerate(_get(crd, ("spec", "versions"), list)):
        where: Path = ("spec", "versions", index)
        name = _get(crd, (*where, "name"), str)
        if version.get("served") is False:
            continue  # the API server would refuse the apiVersion anyway; no schema makes it "missing"
        block = version.get("schema")
        if block is not None and not isinstance(block, dict):
            raise CRDError((*where, "schema"), "expected a mapping")
        raw = (block or {}).get("openAPIV3Schema")
        if raw is None:  # a version without a schema accepts any fields
            raw = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        api_version = f"{group}/{name}"
        out[(api_version, kind)] = document(raw, api_version, kind, strict, (*where, "schema", "openAPIV3Schema"))
    return out


def document(raw: Any, api_version: str, kind: str, strict: bool, where: Path = ()) -> dict[str, Any]:
    """One version's openAPIV3Schema as a standalone JSON Schema document for (apiVersion, kind)."""
    body = node(raw, where, strict)
    properties = dict(body.get("properties", {}))
    properties.update({"apiVersion": {"const": api_version}, "kind": {"const": kind}, "metadata": OBJECT_META})
    group, _, version = api_version.rpartition("/")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{kind} ({api_version})",
        "x-kubernetes-group-version-kind": [{"group": group, "version": version, "kind": kind}],
        **body,
        "properties": properties,
    }


def node(raw: Any, path: Path, strict: bool) -> dict[str, Any]:
    """One OpenAPI 3.0 schema node (and everything under it) as JSON Schema."""
    if not isinstance(raw, dict):
        raise CRDError(path, "expected a schema (a mapping)")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        here = (*path, key)
        if key == "properties" or key == "patternProperties":
            out[key] = {name: node(sub, (*here, name), strict) for name, sub in _mapping(value, here).items()}
        elif key == "items":
            out[key] = (
                [node(sub, (*here, i), strict) for i, sub in enumerate(value)]
                if isinstance(value, list)
                else node(value, here, strict)
            )
        elif key == "additionalProperties":
            out[key] = value if isinstance(value, bool) else node(value, here, strict)
        elif key in _COMBINATORS:
            # Structural schemas may not declare fields inside these; closing them would refuse
            # the fields the surrounding node declares, so they are converted but never closed.
            if not isinstance(value, list):
                raise CRDError(here, "expected a list of schemas")
            out[key] = [node(sub, (*here, i), strict=False) for i, sub in enumerate(value)]
        elif key == "not":
            out[key] = node(value, here, strict=False)
        elif key in ("nullable", "exclusiveMinimum", "exclusiveMaximum") or key.startswith("x-kubernetes-"):
            continue  # handled below from `raw`
        else:
            out[key] = value
    _bounds(raw, out)
    if raw.get("x-kubernetes-int-or-string") is True:
        out["type"] = ["integer", "string"]
        for key in _COMBINATORS:  # controller-gen also writes the pair as anyOf; the type says it
            if out.get(key) == _INT_OR_STRING:
                del out[key]
    if raw.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    if raw.get("x-kubernetes-embedded-resource") is True:
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    open_ = raw.get("x-kubernetes-preserve-unknown-fields") is True
    if strict and not open_ and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if raw.get("nullable") is True:
        _nullable(out)
    return out


def _mapping(value: Any, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CRDError(path, "expected a mapping of field names to schemas")
    return value


def _bounds(raw: dict[str, Any], out: dict[str, Any]) -> None:
    """OpenAPI 3.0 `exclusiveMinimum: true` qualifies `minimum`; JSON Schema gives the bound itself."""
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = raw.get(exclusive)
        if flag is True and bound in out:
            out[exclusive] = out.pop(bound)
        elif isinstance(flag, int | float) and not isinstance(flag, bool):
            out[exclusive] = flag  # already JSON Schema style


def _nullable(out: dict[str, Any]) -> None:
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        out["type"] = [*kind, "null"]
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
