"""libyaml's fast reader means what the careful reader means."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml.nodes import ScalarNode as RuamelScalar
from ruamel.yaml.resolver import VersionedResolver
from yaml import ScalarNode

from generator.errors import InputError
from generator.inputs import fastyaml, yamlio
from tests.conftest import PROJECT


@pytest.mark.parametrize(
    "text",
    [
        "team:\tsearch\n",  # a tab libyaml lets through
        "team:\tsearch\n# owned by R&D\n",
        "%YAML 1.1\n---\nflag: yes\nmode: 0o17\n",
        "runbook: https://runbooks.example.com/x?alert=a&release=b\n",  # text: the fast way
        "a: &x 1\nb: *x\n",  # anchors: the careful way
        "a: &x 1\n",  # an anchor no alias uses (libyaml forgets it)
        "- &x 1\n- *x\n",
        "{a: [&x 1, *x]}\n",
        '{"a":&x 1, b: *x}\n',
        "paths: ['.spec.rules[].backendRefs[].weight', '.a[]']\n",
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


_SCALARS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "~", "null", "Null", "true", "False", "0o17", "0x1F", "1_000", "-.inf", ".NaN", "1e3",
                     "2024-07-23", "=", "<<", "!x", "&a", "*a", "n", "name", "t", "yes", "+1", "-", "."]),
)  # fmt: skip


@given(_SCALARS, st.booleans())
def test_scalars_resolve_to_ruamels_yaml_1_2_tags(value: str, plain: bool) -> None:
    """The shortcut for strings (a first character no resolver is listed for) changes no tag."""
    composer = fastyaml._FastComposer("")
    try:
        found = composer.resolve(ScalarNode, value, (plain, not plain))
    finally:
        composer.dispose()
    expected = VersionedResolver(version=(1, 2)).resolve(RuamelScalar, value, (plain, not plain))
    assert found == str(expected)


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        ("url: https://x.example.com/?a=1&b=2\n", True),
        ("note: 'R&D'\n", True),
        ("a: &x 1\n", False),
        ("- &x 1\n", False),
        ("[&x 1]\n", False),
        ("&x a: 1\n", False),
        ("note: fish &chips\n", False),  # plain text that looks like an anchor: declined, never misread
        ("paths: [" + ", ".join(["'.a[]'"] * 300) + "]\n", True),  # empty brackets do not nest
        ("deep: " + "[" * 300 + "]" * 300 + "\n", False),
    ],
)
def test_which_texts_libyaml_reads(text: str, fast: bool) -> None:
    assert (fastyaml.compose(text) is not None) is fast


def test_every_rendered_manifest_of_the_example_takes_the_fast_way() -> None:
    """The kubeconform mode's speed rests on it (runbook URLs hold `&`, jq paths `[]`)."""
    manifests = sorted((PROJECT / "rendered").glob("*/*/manifest.yaml"))
    assert len(manifests) >= 21
    slow = [str(m) for m in manifests if fastyaml.compose(m.read_text("utf-8")) is None]
    assert slow == []
