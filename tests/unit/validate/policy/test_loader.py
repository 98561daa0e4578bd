"""Loading PolicySets: the bundled policies cover the areas a platform team cares about."""

from __future__ import annotations

import pytest

from generator.inputs.sources import WorkTree
from generator.validate.policy import loader
from tests.conftest import PROJECT

BUNDLED = loader.load(WorkTree(PROJECT))


def test_the_bundled_policies_cover_security_supply_chain_and_reliability() -> None:
    prefixes = {rule_id.rsplit("-", 1)[0] for rule_id in BUNDLED.rules}
    assert {"MO-SEC", "MO-SUP", "MO-RES", "MO-REL", "MO-NET", "MO-META"} <= prefixes
    assert len(BUNDLED.rules) >= 20


WAIVER_LIST = b"apiVersion: modelops.io/v1alpha1\nkind: WaiverList\nwaivers:\n"


@pytest.mark.parametrize(
    ("body", "passed_over"),
    [
        (b"  - {rule: MO-REL-001, release: bge-2}\n", True),  # a longer name holds it: not a waiver of bge
        (b"  - release: bge-embeddings\n", True),
        (b"  - release: bge\n", False),
        (b"  - release: 'bge'\n", False),
        (b'  - {rule: MO-REL-001, release: "bge"}\n', False),
        (b'  - release: "b\\x67e"\n', False),  # an escape could spell it
        (b"  - release: >-\n      bge\n", False),
        (b"  - release: bge-2\nkind: PolicySet\n", False),  # two kinds: read, and reported
        (b"  - release: bge-2\n", True),
        (b"  - release: xbge\n  - release: bge", False),  # at the very end
    ],
)
def test_a_waiver_file_is_passed_over_only_when_it_cannot_name_the_release(body: bytes, passed_over: bool) -> None:
    assert loader._waives_none_of(WAIVER_LIST + body, [b"bge", b"other"]) is passed_over


def test_the_kind_line_may_come_first_or_last() -> None:
    assert loader._waives_none_of(b"kind: WaiverList\nwaivers: []\n", [b"bge"])
    assert loader._waives_none_of(b"waivers: []\nkind: WaiverList  ", [b"bge"])
    assert not loader._waives_none_of(b"waivers: []\nkind: PolicySet", [b"bge"])


def test_a_policy_set_is_never_passed_over() -> None:
    raw = (PROJECT / "policies/security.yaml").read_bytes()
    assert not loader._waives_none_of(raw, [b"bge"])
    assert not loader._waives_none_of(raw, [])
