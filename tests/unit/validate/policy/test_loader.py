"""Loading PolicySets: the bundled policies cover the areas a platform team cares about."""

from __future__ import annotations

from generator.inputs.sources import WorkTree
from generator.validate.policy import loader
from tests.conftest import PROJECT

BUNDLED = loader.load(WorkTree(PROJECT))


def test_the_bundled_policies_cover_security_supply_chain_and_reliability() -> None:
    prefixes = {rule_id.rsplit("-", 1)[0] for rule_id in BUNDLED.rules}
    assert {"MO-SEC", "MO-SUP", "MO-RES", "MO-REL", "MO-NET", "MO-META"} <= prefixes
    assert len(BUNDLED.rules) >= 20
