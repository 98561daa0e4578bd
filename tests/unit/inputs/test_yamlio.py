from __future__ import annotations

import pytest

from generator.errors import InputError
from generator.inputs import yamlio


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


def test_a_number_too_large_for_a_float_stays_the_text_written() -> None:
    doc = yamlio.load(b"a: 1e999\nb: -1e999\nc: .inf\nd: 2.5\n", "x.yaml")
    assert doc.data["a"] == "1e999" and doc.data["b"] == "-1e999"
    assert doc.data["c"] == float("inf") and doc.data["d"] == 2.5
    assert ("a",) not in doc.raw and doc.raw[("d",)] == "2.5"


@pytest.mark.parametrize(
    "number",
    [
        "1" * (yamlio.MAX_INT_DIGITS + 1),
        "-" + "1" * (yamlio.MAX_INT_DIGITS + 1),
        "1" + "_1" * yamlio.MAX_INT_DIGITS,
        "0x" + "f" * 3600,  # fewer characters than the limit, more decimal digits
    ],
)
def test_an_integer_python_cannot_print_is_refused_where_it_is_read(number: str) -> None:
    assert load_error(f"spec:\n  n: {number}\n".encode()) == (
        f"spec.yaml:2:6: spec.n: integer has more than {yamlio.MAX_INT_DIGITS} digits"
    )


def test_the_longest_integer_python_can_print_is_read() -> None:
    doc = yamlio.load(f"n: {'9' * yamlio.MAX_INT_DIGITS}\n".encode(), "f.yaml")
    assert str(doc.data["n"]) == "9" * yamlio.MAX_INT_DIGITS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'a:\n  b: "x\\ud800"\n', "spec.yaml:2:6: a.b: \\ud800 is half of a UTF-16 surrogate pair, not a character"),
        (b'"\\udfff": 1\n', "spec.yaml:1:1: \\udfff is half of a UTF-16 surrogate pair"),
        (b'a: ["\\ud83d\\ude00"]\n', "spec.yaml:1:5: a[0]: \\ud83d is half of a UTF-16 surrogate pair"),
    ],
)
def test_a_lone_surrogate_escape_is_refused_with_its_position(raw: bytes, expected: str) -> None:
    assert expected in load_error(raw)


def test_a_character_outside_the_bmp_is_read_from_its_escape() -> None:
    assert yamlio.load(b'a: "\\U0001F600"\n', "f.yaml").data == {"a": "\U0001f600"}
