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


def test_a_waiver_naming_a_rule_and_an_environment_covers_every_release_there() -> None:
    from generator import catalog
    from generator.catalog import Severity
    from generator.errors import Diagnostic, Location
    from generator.validate.policy.model import Policies, Waiver

    def waiver(rule: str, release: str | None, environment: str | None, line: int) -> Waiver:
        where = Location("policies/waivers.yaml", line, 5)
        return Waiver(rule, release, environment, "placeholders", "a@b.c", datetime.date(2030, 1, 1), where)

    policies = Policies(
        waivers=[
            waiver(catalog.PLACEHOLDER_VALUE, None, "dev", 1),
            waiver("MO-SUP-004", "chat", "dev", 2),  # before the environment-wide one: it is the one for chat
            waiver("MO-SUP-004", None, "dev", 3),
        ]
    )
    found = [
        Diagnostic("env", rule=catalog.PLACEHOLDER_VALUE, environment="dev", severity=Severity.WARNING),
        Diagnostic("env", rule=catalog.PLACEHOLDER_VALUE, environment="prod", severity=Severity.WARNING),
        Diagnostic("image", rule="MO-SUP-004", environment="dev", release="chat", severity=Severity.WARNING),
        Diagnostic("image", rule="MO-SUP-004", environment="dev", release="embed", severity=Severity.WARNING),
    ]
    out, used = engine.waive(policies, found, datetime.date(2029, 1, 1))
    assert [d.severity for d in out] == [Severity.INFO, Severity.WARNING, Severity.INFO, Severity.INFO]
    assert "policies/waivers.yaml:2:5" in out[2].message  # the first in file order that covers it
    assert used == {id(policies.waivers[0]), id(policies.waivers[1]), id(policies.waivers[2])}
    # a tool rule's waiver matching nothing is not "unused": its finding may come and go with the values
    reported = engine.apply_waivers(policies, found[1:2], datetime.date(2029, 1, 1))
    assert [d.message for d in reported if d.rule == catalog.POLICY_WAIVER] == [
        "waiver for MO-SUP-004 on chat in dev matches no finding; remove it",
        "waiver for MO-SUP-004 in dev matches no finding; remove it",
    ]
