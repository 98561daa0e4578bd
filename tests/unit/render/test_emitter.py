"""The YAML emitter: block style, and every string reads back as itself in YAML 1.1 and 1.2 readers."""

from __future__ import annotations

import pytest
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from generator.errors import Path, nearest
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
    out = emitter.dump({"k": text, "l": [text]})
    for reader in (pyyaml.safe_load, YAML(typ="safe", pure=True).load):
        assert reader(out) == {"k": text, "l": [text]}


def test_emitter_layout_is_block_style_with_indented_sequences() -> None:
    out = emitter.dump({"a": {"b": [{"c": 1, "d": "500m"}], "e": {}, "f": []}, "cfg": "x: 1\ny: 2\n"})
    assert out == ('a:\n  b:\n    - c: 1\n      d: "500m"\n  e: {}\n  f: []\ncfg: |\n  x: 1\n  y: 2\n')
    assert emitter.locate(out, ("a", "b", 0, "d")) == (("a", "b", 0, "d"), (4, 7))
    assert emitter.locate(out, ("a", "b", 0)) == (("a", "b", 0), (3, 5))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(min_size=1), json_values, min_size=1, max_size=5))
def test_any_json_data_round_trips_through_yaml_11_and_12_readers(data: dict[str, object]) -> None:
    out = emitter.dump(data)
    assert pyyaml.safe_load(out) == data
    assert YAML(typ="safe", pure=True).load(out) == data


def _marks(text: str) -> dict[Path, tuple[int, int]]:
    """Every field's (line, column) as a YAML parser sees the text: a key where the key starts, an item
    where its dash is (two columns before its value)."""
    out: dict[Path, tuple[int, int]] = {(): (1, 1)}

    def walk(node: pyyaml.Node, path: Path) -> None:
        if isinstance(node, pyyaml.MappingNode):
            for key, value in node.value:
                out[(*path, key.value)] = (key.start_mark.line + 1, key.start_mark.column + 1)
                walk(value, (*path, key.value))
        elif isinstance(node, pyyaml.SequenceNode):
            for index, item in enumerate(node.value):
                out[(*path, index)] = (item.start_mark.line + 1, item.start_mark.column - 1)
                walk(item, (*path, index))

    walk(pyyaml.compose(text, Loader=pyyaml.SafeLoader), ())
    return out


def _agrees_with_a_parser(data: dict[str, object]) -> None:
    """locate reads off the text where a YAML parser finds each field, also for paths that go past
    the data (the nearest prefix: where a finding on a missing field points)."""
    out = emitter.dump(data)
    positions = _marks(out)
    for path, position in positions.items():
        assert emitter.locate(out, path) == (path, position)
        for extra in ("absent-key", 99, 0):
            longer = (*path, extra)
            expected = nearest(positions, longer)
            assert expected is not None
            assert emitter.locate(out, longer) == (expected, positions[expected])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(min_size=1), json_values, min_size=1, max_size=5))
def test_locate_finds_each_field_where_a_parser_does(data: dict[str, object]) -> None:
    _agrees_with_a_parser(data)


def test_locate_never_reads_a_literal_body_or_scalar_as_fields() -> None:
    tricky = {
        "data": {"config.yaml": "foo: bar\n- x: 1\n\nbaz: |\n", "a:b": "c"},
        "list": ["- not an item", "x: 1\ny: 2", [["deep"]], {}, [], {"k": "v"}, "a:b"],
        "a": {"b": 1},
    }
    _agrees_with_a_parser(tricky)
    out = emitter.dump(tricky)
    assert emitter.locate(out, ("data", "config.yaml", "foo")) == (("data", "config.yaml"), (2, 3))
    assert emitter.locate(out, ("list", 1, "x"))[0] == ("list", 1)
    assert emitter.locate(out, ("a", "a"))[0] == ("a",)
