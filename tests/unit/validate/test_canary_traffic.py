"""Without a traffic router a canary step gets its pods' share: warned where it strays from the weight."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import catalog
from generator.catalog import Severity
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.render.canary_split import split, surge_count
from generator.validate.canary_traffic import TOLERANCE, replicas_for
from tests.conftest import edit

PROD = "environments/prod.yaml"
RELEASE = "releases/toxicity-classifier.yaml"
ROUTER = """        trafficRouter: gatewayAPI
        gatewayAPI:
          gateway:
            name: inference-gateway
            namespace: inference-gateway
          domain: models.example.com
"""


def without_router(repo: Path, min_replicas: int, max_replicas: int) -> list[str]:
    """The canary-split findings of toxicity-classifier in prod, routed by pod count, at these bounds."""
    edit(repo / PROD, ROUTER, "        trafficRouter: none\n")
    edit(
        repo / RELEASE,
        "      scaling:\n        minReplicas: 2\n",
        f"      scaling:\n        minReplicas: {min_replicas}\n        maxReplicas: {max_replicas}\n",
    )
    return split_warnings(repo, "toxicity-classifier")


def split_warnings(repo: Path, release: str | None = None) -> list[str]:
    _, report = compose.evaluate(WorkTree(repo))
    found = [d for d in report.diagnostics() if d.rule == catalog.CANARY_SPLIT]
    assert all(d.severity is Severity.WARNING for d in found)
    return [d.format() for d in found if release in (None, d.release)]


@pytest.mark.parametrize("replicas", [1, 2])
def test_few_replicas_warn_on_the_line_of_the_step(example: Path, replicas: int) -> None:
    (warning,) = without_router(example, replicas, replicas)
    share = {1: "50% of the requests at 1 replica (1 canary + 1 stable pods)", 2: "33% of the requests at 2 replicas"}
    assert warning.startswith(
        f"{RELEASE}:44:15: spec.rollout.canary.steps[0].setWeight: setWeight 20 gives the canary "
    )
    assert share[replicas] in warning
    assert "use scaling.minReplicas of at least 3" in warning
    assert "declare spec.cluster.capabilities.argoRollouts.trafficRouter in environment prod" in warning
    assert warning.endswith("(environments/prod.yaml) (in prod)")


def test_ten_replicas_split_close_enough(example: Path) -> None:
    assert without_router(example, 10, 10) == []


def test_either_end_of_the_autoscaler_range_counts(example: Path) -> None:
    (warning,) = without_router(example, 2, 10)
    assert "33% of the requests at 2 replicas" in warning and "at 10 replicas" not in warning


def test_a_router_means_exact_weights_and_no_warning(example: Path) -> None:
    edit(example / RELEASE, "      scaling:\n        minReplicas: 2\n", "      scaling:\n        minReplicas: 1\n")
    assert split_warnings(example) == []


def test_the_suggested_replicas_hold_from_there_on() -> None:
    for weight in (5, 10, 20, 25, 50, 60):
        need = replicas_for(weight, "25%")
        assert need is not None
        for n in range(need, 60):
            assert split(weight, n, surge_count("25%", n)).off_by <= TOLERANCE
