"""JSON Schema validation with messages written for the person who has to fix the file.

The project's own schemas (release specs, environments, policies, and the custom
resources it emits) ship in `generator/schemas/`; they are compiled once per process with
jsonschema-rs and share one registry so that they can `$ref` each other.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema_rs

from generator import builtin
from generator.errors import Path
from generator.schemas import integers
from generator.schemas.messages import Finding, explain_all

SCHEMA_BASE = "https://modelops.io/schemas/"



def _schema_files() -> list[Any]:
    root = builtin.package_file("schemas")
    found = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found.extend(sorted((e for e in entry.iterdir() if e.name.endswith(".json")), key=lambda e: e.name))
        elif entry.name.endswith(".json"):
            found.append(entry)
    return found


@cache
def documents() -> dict[str, dict[str, Any]]:
    """Every shipped schema by `$id`."""
    docs = {}
    for entry in _schema_files():
        doc = json.loads(entry.read_text(encoding="utf-8"))
        docs[doc["$id"]] = doc
    return docs


@cache
def by_file_name() -> dict[str, dict[str, Any]]:
    """Every shipped schema by the last part of its `$id`, as references name them (see integers)."""
    return {uri.rsplit("/", 1)[-1]: doc for uri, doc in documents().items()}


def schema(name: str) -> dict[str, Any]:
    return documents()[SCHEMA_BASE + name]


def is_crd(doc: dict[str, Any]) -> bool:
    return "x-kubernetes-group-version-kind" in doc


@cache
def _registry() -> jsonschema_rs.Registry:
    # CRD schemas refer to the Kubernetes definitions of a version; kubeschema registers those.
    return jsonschema_rs.Registry([(uri, doc) for uri, doc in documents().items() if not is_crd(doc)])


@cache
def validator(name: str) -> Any:
    return jsonschema_rs.validator_for(schema(name), registry=_registry(), offline=True)


def normalise(name: str, data: Any) -> list[Path]:
    """Integral floats (`6.0`) in the integer fields of shipped schema `name` become ints, in place."""
    return integers.normalise(data, schema(name), by_file_name())


def validate(name: str, data: Any, raw: dict[Path, str] | None = None) -> list[Finding]:
    """Findings for `data` against shipped schema `name` (e.g. "modelrelease.schema.json").

    `raw` maps paths of numbers and booleans to the text the user wrote (see yamlio.Document).
    """
    return explain_all(validator(name).iter_errors(data), [schema(name), *documents().values()], raw)
