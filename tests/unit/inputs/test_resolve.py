"""The merge rules documented in README.md, on the README's worked example."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import InputError, Location
from generator.inputs import resolve, spec
from generator.inputs.sources import WorkTree
from tests.conftest import PROJECT, edit


def effective(repo: Path, release: str, env: str) -> resolve.Resolved:
    inputs = spec.load_inputs(WorkTree(repo))
    return resolve.resolve(inputs.releases[release], inputs.environments[env])


def test_worked_example_llama3_8b_chat_in_prod() -> None:
    r = effective(PROJECT, "llama3-8b-chat", "prod")
    assert r.get("scaling", "minReplicas") == 2  # environments.prod beats release (1) and prod defaults (2)
    assert r.get("scaling", "maxReplicas") == 6
    assert r.get("scaling", "metric") == {"type": "queue", "averageValue": "5"}
    assert r.get("rollout", "strategy") == "canary"
    assert [s.get("setWeight") for s in r.get("rollout", "canary", "steps")] == [10, None, 50, None]
    assert r.get("rollout", "canary", "analysis") == {
        "enabled": True,
        "maxErrorRate": 0.005,  # prod defaults beat the template default (0.01)
        "maxLatencySeconds": 4,
        "maxTimeToFirstTokenSeconds": 1.5,
        "maxTimePerOutputTokenSeconds": 0.2,  # template default
        "interval": "1m",
        "failureLimit": 1,
    }
    assert r.get("scheduling", "priorityClassName") == "model-serving-critical"  # from prod defaults
    assert r.get("scheduling", "tolerations") == []  # template default
    assert r.get("model", "version") == "3.1.0"
    assert r.get("model", "artifact", "size") == "40Gi"  # release-wide value under a per-environment override


def test_positions_come_from_the_layer_that_set_the_value() -> None:
    r = effective(PROJECT, "llama3-8b-chat", "prod")
    assert r.locate(("scaling", "maxReplicas")) == Location("releases/llama3-8b-chat.yaml", 58, 9)
    assert r.locate(("scheduling", "priorityClassName")) == Location("environments/prod.yaml", 73, 7)
    # A template default points at the release's entry for the environment.
    assert r.locate(("monitoring", "interval")) == Location("releases/llama3-8b-chat.yaml", 49, 5)


def test_effective_spec_errors_point_at_the_override(example: Path) -> None:
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "      scaling:\n        minReplicas: 2\n",
        "      scaling:\n        minReplicas: two\n",
    )
    with pytest.raises(InputError) as info:
        spec.load_inputs(WorkTree(example))
    assert info.value.diagnostics[0].format() == (
        'releases/llama3-8b-chat.yaml:57:9: spec.environments.prod.scaling.minReplicas: expected an integer, got "two"'
    )
