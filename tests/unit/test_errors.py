"""Diagnostics as text: one line per finding, whatever the input held."""

from __future__ import annotations

import pytest

from generator.errors import Diagnostic, Location, printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text, café, 日本", "plain text, café, 日本"),
        ("a\x1b[2Kb", "a\\x1b[2Kb"),
        ("line\r\nfake.yaml:1:1: ok", "line\\r\\nfake.yaml:1:1: ok"),
        ("tab\there", "tab\\there"),
        ("nul\x00 del\x7f csi\x9b", "nul\\x00 del\\x7f csi\\x9b"),
        ("sep\u2028par\u2029", "sep\\u2028par\\u2029"),
        ("rtl\u202eevil\u2066", "rtl\\u202eevil\\u2066"),
        ("regex ^[^\\s]+$ keeps its backslash", "regex ^[^\\s]+$ keeps its backslash"),
    ],
)
def test_printable_escapes_what_a_terminal_would_act_on(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_a_diagnostic_is_one_line_whatever_its_file_field_and_message_hold() -> None:
    diag = Diagnostic('unknown field "a\x1b[31m\rb"', Location("releases/x\ny.yaml", 3, 5), 'spec["a\x1b[31m\rb"]')
    assert diag.format() == ('releases/x\\ny.yaml:3:5: spec["a\\x1b[31m\\rb"]: unknown field "a\\x1b[31m\\rb"')
    assert diag.to_json()["message"] == 'unknown field "a\x1b[31m\rb"'  # JSON escapes it itself
