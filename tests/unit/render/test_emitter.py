"""The YAML emitter: block style, and every string reads back as itself in YAML 1.1 and 1.2 readers."""

from __future__ import annotations

import pytest
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from generator.render import emitter


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "N",
        "true",
        "null",
        "~",
        "1.0",
        "010",
        "0o17",
        "1e3",
        "1:20",
        "2024-01-01",
        ".inf",
        "-",
        "a: b",
        "x #y",
        "",
        " lead",
        "trail ",
        "@at",
        "*star",
        "&amp",
        "!bang",
        "%pc",
        "{a}",
        "[a]",
        "line\nbreak",
        "tab\tin",
        "emoji 😀",
        "nul\x00",
        "\u2028sep",
        "---",
        "...",
        "'q'",
        '"dq"',
        "a:",
    ],
)
def test_emitted_strings_read_back_as_the_same_string(text: str) -> None:
    out, _ = emitter.dump({"k": text, "l": [text]})
    for reader in (pyyaml.safe_load, YAML(typ="safe", pure=True).load):
        assert reader(out) == {"k": text, "l": [text]}


def test_emitter_layout_is_block_style_with_indented_sequences() -> None:
    out, lines = emitter.dump({"a": {"b": [{"c": 1, "d": "500m"}], "e": {}, "f": []}, "cfg": "x: 1\ny: 2\n"})
    assert out == ('a:\n  b:\n    - c: 1\n      d: "500m"\n  e: {}\n  f: []\ncfg: |\n  x: 1\n  y: 2\n')
    assert lines[("a", "b", 0, "d")] == (4, 7)
    assert lines[("a", "b", 0)] == (3, 5)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(min_size=1), json_values, min_size=1, max_size=5))
def test_any_json_data_round_trips_through_yaml_11_and_12_readers(data: dict[str, object]) -> None:
    out, _ = emitter.dump(data)
    assert pyyaml.safe_load(out) == data
    assert YAML(typ="safe", pure=True).load(out) == data
