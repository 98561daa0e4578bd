"""The quick builder reads what yamlio reads, or declines: values are always yamlio's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.inputs import yamlio
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from tests.conftest import PROJECT

TRICKY = st.sampled_from(
    ["010", "0o17", "0x1F", "1_000", "1e3", "1.5e-3", ".inf", "-.inf", ".nan", "yes", "no", "on", "off", "True",
     "FALSE", "null", "~", "2024-07-23", "12:30", "+5", "-0", "0.0", "1.", ".5", "é", "\u2028", "", " x ", "#", "- a"]
)  # fmt: skip
SCALARS = st.one_of(
    TRICKY,
    st.text(max_size=8),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


def _both(text: str) -> tuple[list[Any], list[Any]]:
    def read(positions: bool) -> list[Any]:
        out = []
        for d in yamlio.load_all(text.encode(), "x.yaml", aliases=True, duplicate_keys=True, positions=positions):
            out.append(("error", str(d)) if isinstance(d, Exception) else ("data", d.data, d.duplicates))
        return out

    return read(False), read(True)


@settings(max_examples=300, deadline=None)
@given(st.lists(VALUES, min_size=1, max_size=3), st.sampled_from([None, "'", '"']))
def test_any_document_reads_the_same_with_and_without_positions(docs: list[Any], style: str | None) -> None:
    text = yaml.safe_dump_all(docs, default_style=style, allow_unicode=True)
    quick, careful = _both(text)
    assert quick == careful


def test_hand_written_corner_cases() -> None:
    text = "a: 010\nb: 0x1F\nc: 1_000\nd: yes\ne: .inf\nf: 2024-07-23\ng: {1: x}\nh: [!!str 5]\na: dup\n"
    quick, careful = _both(text)
    assert quick == careful
    assert careful[0][2]  # the repeated key was recorded, so the quick builder declined


def test_rendered_manifests_read_the_same() -> None:
    for path in sorted((PROJECT / "tests/corpus").rglob("*.yaml"))[:200]:
        quick, careful = _both(path.read_text(encoding="utf-8", errors="replace"))
        assert quick == careful, path


def test_the_rendered_example_reads_the_same(example: Path) -> None:
    built = compose.build(WorkTree(example), cache=None)
    manifests = {p: d for p, d in built.tree.files().items() if p.endswith(".yaml")}
    assert len(manifests) > 10
    for path, data in manifests.items():
        quick, careful = _both(data.decode())
        assert quick == careful, path
        assert all(kind == "data" for kind, *_ in quick)
