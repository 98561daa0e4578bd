"""The policy engine: every bundled rule against its own examples, rule scoping, waivers by date."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import pytest

from generator.inputs.sources import WorkTree
from generator.validate.policy import engine, loader
from tests.conftest import PROJECT

BUNDLED = loader.load(WorkTree(PROJECT))


@pytest.mark.parametrize("rule_id", sorted(BUNDLED.rules))
def test_rule_examples_behave(rule_id: str) -> None:
    passing, failing = engine.check_examples(BUNDLED.rules[rule_id])
    assert passing == []
    assert failing, f"{rule_id}'s failing example passes"
    assert all(message for _, message in failing)


def test_release_builtins_with_match_kinds_apply_only_to_releases_with_those_kinds() -> None:
    rule = BUNDLED.rules["MO-REL-002"]  # a PodDisruptionBudget must be present
    scoped = dataclasses.replace(rule, kinds=("Deployment", "Rollout"))
    inference_only = [{"kind": "InferenceService", "metadata": {"name": "m"}}]
    assert engine.check_example(rule, inference_only, {}) != []
    assert engine.check_example(scoped, inference_only, {}) == []
    assert engine.check_example(scoped, [{"kind": "Rollout", "metadata": {"name": "m"}}], {}) != []


def test_waivers_are_judged_on_the_date_given(example: Path) -> None:
    from generator.pipeline import compose

    built = compose.build(WorkTree(example))
    before = compose.validate(built, datetime.date(2027, 9, 30))
    after = compose.validate(built, datetime.date(2027, 10, 1))
    assert not before.failed() and after.failed()
