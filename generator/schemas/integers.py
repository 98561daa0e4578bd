"""Whole numbers written as floats (`6.0`) in fields a schema types as integers become ints.

JSON Schema's "integer" admits 6.0 (draft 6 on: a number with a zero fractional part), so
validation alone lets `maxReplicas: 6.0` through, and the emitter would write `6.0` into an
int32 field of a Kubernetes object.  So before data is validated, and before a rendered
object is written, every integral float where the schema says integer (and not number) is
replaced by its int; a fractional one (6.5) is left for the schema to refuse.

The walk follows the data, not the schema: only containers and floats are visited, and the
schemas that apply at each place are gathered through $ref, allOf, anyOf and oneOf, then
properties, patternProperties, additionalProperties and items.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from generator.errors import Path

# (schema node, the document it lives in, for "#/..." references)
_Applied = tuple[dict[str, Any], dict[str, Any]]


def has_float(data: Any) -> bool:
    """Whether `data` holds a float anywhere (most objects hold none, and skip the walk)."""
    pending = [data]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is dict:
            pending.extend(item.values())
        elif kind is list:
            pending.extend(item)
        elif kind is float:
            return True
    return False


def normalise(data: Any, schema: dict[str, Any], documents: Mapping[str, dict[str, Any]]) -> list[Path]:
    """Replace, in place, each integral float that `schema` types as an integer; returns their paths.

    `documents` holds the schemas that references may name, by file name (the last part of the
    reference before `#`: "modelrelease.schema.json", "_definitions.json").
    """
    if not has_float(data):
        return []
    found: list[Path] = []
    _walk(data, [(schema, schema)], (), found, documents)
    for path in found:
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = int(parent[path[-1]])
    return found


def _deref(ref: str, doc: dict[str, Any], documents: Mapping[str, dict[str, Any]]) -> _Applied | None:
    where, _, pointer = ref.partition("#")
    target = documents.get(where.rsplit("/", 1)[-1]) if where else doc
    node: Any = target
    for part in pointer.split("/")[1:]:
        if not isinstance(node, dict):
            return None
        node = node.get(part.replace("~1", "/").replace("~0", "~"))
    return (node, target) if isinstance(node, dict) and target is not None else None


def _flatten(schemas: list[_Applied], documents: Mapping[str, dict[str, Any]]) -> list[_Applied]:
    """Every schema node that applies at one place: the given ones and all they reference or combine."""
    out: list[_Applied] = []
    seen: set[int] = set()
    pending = list(schemas)
    while pending:
        node, doc = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append((node, doc))
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = _deref(ref, doc, documents)
            if target is not None:
                pending.append(target)
        for keyword in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(keyword, ()):
                if isinstance(sub, dict):
                    pending.append((sub, doc))
    return out


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("type")
    return {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else set()


@cache
def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text)
    except re.error:
        return None


def _children(flat: list[_Applied], key: str) -> list[_Applied]:
    out: list[_Applied] = []
    for node, doc in flat:
        properties = node.get("properties")
        if isinstance(properties, dict) and isinstance(properties.get(key), dict):
            out.append((properties[key], doc))
            continue
        patterns = node.get("patternProperties")
        matched = [
            sub
            for text, sub in (patterns.items() if isinstance(patterns, dict) else ())
            if isinstance(sub, dict) and (compiled := _pattern(text)) is not None and compiled.search(key)
        ]
        out.extend((sub, doc) for sub in matched)
        extra = node.get("additionalProperties")
        if not matched and isinstance(extra, dict):
            out.append((extra, doc))
    return out


def _walk(
    data: Any, schemas: list[_Applied], path: Path, found: list[Path], documents: Mapping[str, dict[str, Any]]
) -> None:
    flat = _flatten(schemas, documents)
    kind = type(data)
    if kind is float:
        types = set().union(*(_types(node) for node, _ in flat))
        if "integer" in types and "number" not in types and data.is_integer():
            found.append(path)
    elif kind is dict:
        for key, value in data.items():
            if type(value) in (dict, list, float):
                children = _children(flat, key)
                if children:
                    _walk(value, children, (*path, key), found, documents)
    elif kind is list:
        items = [(node["items"], doc) for node, doc in flat if isinstance(node.get("items"), dict)]
        if items:
            for index, item in enumerate(data):
                if type(item) in (dict, list, float):
                    _walk(item, items, (*path, index), found, documents)
