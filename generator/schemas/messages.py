"""Schema errors as messages written for the person who has to fix the file.

jsonschema-rs reports an error as a keyword and two JSON pointers; each becomes a Finding,
(field path, message), with "did you mean" for a misspelt field, the allowed values of an
enum, and "write it in quotes" where YAML read a version as a number.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from generator.errors import Path

# (instance path, message); the path may end in a key that does not exist (a missing or unknown field)
Finding = tuple[Path, str]

def _subschema(candidates: Sequence[dict[str, Any]], path: Sequence[str | int]) -> dict[str, Any] | None:
    for doc in candidates:
        node: Any = doc
        try:
            for part in path:
                node = node[part]
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(node, dict):
            return node
    return None


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = str(value)
    return text if len(text) <= 60 else f"{text[:57]}... ({len(text)} digits)"


_JSON_TYPES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def _type_message(value: Any, types: list[str], written: str | None) -> str:
    wanted = [t for t in types if t != "null"] or types
    names = " or ".join(_JSON_TYPES.get(t, t) for t in wanted)
    if "string" in wanted and isinstance(value, int | float) and not isinstance(value, bool):
        return f'expected {names}; write it in quotes: "{written or value}"'
    if wanted == ["string"] and isinstance(value, bool):
        return f"expected {names}; YAML read {_describe(value)} as a boolean, write it in quotes"
    return f"expected {names}, got {_describe(value)}"


def _unknown_field(path: Path, key: str, known: list[str]) -> Finding:
    message = f'unknown field "{key}"'
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        message += f' (did you mean "{close[0]}"?)'
    elif known:
        message += f"; allowed fields: {', '.join(known)}"
    return (*path, key), message


def explain(error: Any, candidates: Sequence[dict[str, Any]], raw: dict[Path, str] | None = None) -> list[Finding]:
    """Turn one jsonschema-rs error into findings, (path, message): one per unknown key of a mapping,
    one for any other error."""
    if error.kind.name == "additionalProperties":
        parent = _subschema(candidates, list(error.schema_path)[:-1]) or {}
        known = sorted(parent.get("properties", {}))
        path: Path = tuple(error.instance_path)
        return [_unknown_field(path, str(key), known) for key in sorted(error.kind.as_dict().get("unexpected", []))]
    return [_explain_one(error, candidates, raw)]


def _explain_one(error: Any, candidates: Sequence[dict[str, Any]], raw: dict[Path, str] | None) -> Finding:
    kind = error.kind.name
    info = error.kind.as_dict()
    path: Path = tuple(error.instance_path)
    keyword_path = list(error.schema_path)
    parent = _subschema(candidates, keyword_path[:-1]) or {}
    value = error.instance
    if kind == "required":
        prop = info.get("property", "")
        return (*path, prop), "missing required field"
    if kind == "type":
        return path, _type_message(value, list(info.get("types", [])), (raw or {}).get(path))
    if kind == "enum":
        options = info.get("options", [])
        listed = ", ".join("null" if o is None else str(o) for o in options)  # nullable enums list null
        return path, f"{_describe(value)} is not allowed; expected one of: {listed}"
    if kind == "const":
        return path, f"expected {json.dumps(info.get('expected_value'))}, got {_describe(value)}"
    if kind == "pattern":
        described = parent.get("description")
        if described:
            return path, f"invalid value {_describe(value)}: {described}"
        return path, f"invalid value {_describe(value)}: must match {info.get('pattern')}"
    if kind in ("maxLength", "minLength"):
        return path, f"{_describe(value)} is {len(value)} characters long; {kind[:3]}imum is {info.get('limit')}"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }
        return path, f"{_describe(value)} is out of range; must be {words[kind]} {info.get('limit')}"
    if kind == "minProperties" and isinstance(value, dict) and not value:
        return path, "must not be empty"
    if kind == "anyOf" and parent.get("anyOf") and _is_int_or_percent(parent["anyOf"]):
        return path, f'expected a whole number or a percentage such as "25%", got {_describe(value)}'
    fields = _one_of_fields(parent.get("anyOf")) if kind == "anyOf" else None
    if fields:
        return path, f"needs {' or '.join(fields)} (at least one of them)"
    return path, error.message


def _one_of_fields(options: Any) -> list[str] | None:
    """The fields of an anyOf whose every option only requires one field (a waiver's release or environment)."""
    if not isinstance(options, list) or not options:
        return None
    fields: list[list[Any]] = [
        o["required"]
        for o in options
        if isinstance(o, dict) and set(o) == {"required"} and isinstance(o["required"], list)
    ]
    if len(fields) != len(options) or not all(len(f) == 1 for f in fields):
        return None
    return [str(f[0]) for f in fields]


def _is_int_or_percent(options: list[dict[str, Any]]) -> bool:
    return [o.get("type") for o in options] == ["integer", "string"]


def explain_all(
    errors: Iterable[Any], candidates: Sequence[dict[str, Any]], raw: dict[Path, str] | None = None
) -> list[Finding]:
    seen: set[Finding] = set()
    out: list[Finding] = []
    for error in errors:
        for finding in explain(error, candidates, raw):
            if finding not in seen:
                seen.add(finding)
                out.append(finding)
    return out
