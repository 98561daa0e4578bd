"""Every string a release spec or an environment file holds refuses control characters (they reach
annotations, runtime configuration and terminals), with a message that says what is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest

from generator.schemas import shipped

SCHEMAS = ("modelrelease.schema.json", "environment.schema.json")
HOSTILE = ["a\x1b[2Kb", "a\x00b", "a\rb", "a\x85b", "a\x7fb", "a\u202eb"]


def _strings(node: Any, pointer: str) -> Iterator[str]:
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "string" or (isinstance(kind, list) and "string" in kind):
            yield pointer
        for key, value in node.items():
            yield from _strings(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{pointer}/{index}")


STRING_FIELDS = [(name, pointer) for name in SCHEMAS for pointer in _strings(shipped.schema(name), "#")]


def test_the_schemas_have_string_fields() -> None:
    assert len(STRING_FIELDS) > 30


@pytest.mark.parametrize(("name", "pointer"), STRING_FIELDS)
def test_every_string_field_refuses_control_characters(name: str, pointer: str) -> None:
    validator = jsonschema_rs.validator_for(
        {"$ref": shipped.SCHEMA_BASE + name + pointer}, registry=shipped._registry(), offline=True
    )
    accepted = [text for text in HOSTILE if validator.is_valid(text)]
    assert not accepted, f"{name}{pointer} accepts {accepted!r}"


def test_the_message_says_what_is_wrong() -> None:
    findings = shipped.validate("modelrelease.schema.json", {"metadata": {"description": "ok\nline\tand \x1b[31m"}})
    message = (
        'invalid value "ok\\nline\\tand \\u001b[31m": must not contain control characters other than tab and '
        "newline (such as NUL, ESC or CR), nor bidirectional text overrides"
    )
    assert (("metadata", "description"), message) in findings
