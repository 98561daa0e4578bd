from __future__ import annotations

import pytest
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from generator.errors import InputError
from generator.inputs import fastyaml, yamlio
from generator.render import emitter


def load_error(raw: bytes) -> str:
    with pytest.raises(InputError) as info:
        yamlio.load(raw, "spec.yaml")
    assert len(info.value.diagnostics) == 1
    return info.value.diagnostics[0].format()


def test_positions_of_keys_and_items() -> None:
    doc = yamlio.load(b"a: 1\nb:\n  c:\n    - x\n    - y\n", "f.yaml")
    assert doc.data == {"a": 1, "b": {"c": ["x", "y"]}}
    assert doc.positions[("b", "c")] == (3, 3)
    assert doc.positions[("b", "c", 1)] == (5, 7)
    assert str(doc.locate(("b", "c", 1, "missing"))) == "f.yaml:5:7"


def test_dates_stay_strings_and_yaml12_booleans() -> None:
    doc = yamlio.load(b"version: 2024-07-23\nflag: yes\nreal: true\noctal: 0o17\n", "f.yaml")
    assert doc.data == {"version": "2024-07-23", "flag": "yes", "real": True, "octal": 15}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"a: 1\na: 2\n", 'spec.yaml:2:1: a: duplicate key "a"'),
        (b"a: &x 1\nb: *x\n", "spec.yaml:1:4: a: YAML anchors and aliases (&name, *name) are not allowed"),
        (b"a: 1\n---\nb: 2\n", "spec.yaml:3:1: file holds more than one YAML document"),
        (b"a:\n\t- 1\n", "spec.yaml:2:1: invalid YAML: a tab is used for indentation; YAML allows only spaces"),
        (b"\xef\xbb\xbfa: 1\n", "spec.yaml:1:1: file starts with a UTF-8 byte-order mark"),
        (b"\xff\xfea\x00", "spec.yaml:1:1: file is UTF-16 encoded"),
        (b"a: caf\xe9\n", "spec.yaml:1:7: file is not valid UTF-8 (byte 0xe9)"),
        (b"", "spec.yaml:1:1: file is empty"),
        (b"a: !!python/object:os.system x\n", "spec.yaml:1:4: a: unsupported YAML tag"),
        (b"<<: {a: 1}\n", "spec.yaml:1:1: YAML merge keys (<<) are not allowed"),
        (b"[" * 200 + b"]" * 200, "nested more than 48 levels deep"),
        (b"a: " + b"[" * 5000 + b"]" * 5000, "nested more than 48 levels deep"),
        (b"a: [1\n", "spec.yaml:2:1: invalid YAML: expected ',' or ']'"),
    ],
)
def test_refuses_bad_yaml_with_a_position(raw: bytes, expected: str) -> None:
    assert expected in load_error(raw)


def test_billion_laughs_is_refused_before_expansion() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1}]" for i in range(1, 12)]
    assert "anchors and aliases" in load_error("\n".join(lines).encode())


def test_oversized_file_is_refused() -> None:
    raw = b"a: " + b"x" * yamlio.MAX_FILE_BYTES
    assert f"file is larger than the limit of {yamlio.MAX_FILE_BYTES} bytes" in load_error(raw)


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


def test_a_number_too_large_for_a_float_stays_the_text_written() -> None:
    doc = yamlio.load(b"a: 1e999\nb: -1e999\nc: .inf\nd: 2.5\n", "x.yaml")
    assert doc.data["a"] == "1e999" and doc.data["b"] == "-1e999"
    assert doc.data["c"] == float("inf") and doc.data["d"] == 2.5
    assert ("a",) not in doc.raw and doc.raw[("d",)] == "2.5"


@pytest.mark.parametrize(
    "text",
    [
        "team:\tsearch\n",  # a tab libyaml lets through
        "team:\tsearch\n# owned by R&D\n",
        "%YAML 1.1\n---\nflag: yes\nmode: 0o17\n",
    ],
)
def test_the_fast_reader_and_the_careful_one_agree(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def outcome() -> object:
        try:
            return yamlio.load(text.encode(), "x.yaml").data
        except InputError as exc:
            return [d.format() for d in exc.diagnostics]

    fast = outcome()
    monkeypatch.setattr(fastyaml, "compose", lambda text: None)
    assert fast == outcome()
