"""An override in `spec.environments.<env>` of a release changes that environment's output, and no other's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Runner, edit, files_under, manifest_objects

RELEASE = "toxicity-classifier"
MANIFEST = f"staging/{RELEASE}/manifest.yaml"
DEPLOYMENT = f"Deployment/{RELEASE}"
HPA = f"HorizontalPodAutoscaler/{RELEASE}"


def _server(obj: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = obj["spec"]["template"]["spec"]["containers"][0]
    return container


# block -> (the override for staging, the object it must change, what that object then says)
CASES: dict[str, tuple[str, str, Callable[[dict[str, Any]], object]]] = {
    "resources": ('resources:\n        cpu: "3"', DEPLOYMENT, lambda o: _server(o)["resources"]["requests"]["cpu"]),
    "scaling": ("scaling:\n        maxReplicas: 5", HPA, lambda o: o["spec"]["maxReplicas"]),
    "scheduling": (
        "scheduling:\n        nodeSelector:\n          pool: large",
        DEPLOYMENT,
        lambda o: o["spec"]["template"]["spec"].get("nodeSelector"),
    ),
    "runtime": (
        "runtime:\n        args:\n          enableBatching: false",
        DEPLOYMENT,
        lambda o: "--enable_batching=true" in _server(o)["args"],
    ),
    "rollout": (
        "rollout:\n        maxSurge: 2",
        DEPLOYMENT,
        lambda o: o["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
    ),
}
EXPECTED = {"resources": "3", "scaling": 5, "scheduling": {"pool": "large"}, "runtime": False, "rollout": 2}


@pytest.mark.parametrize("block", sorted(CASES))
def test_an_override_changes_only_its_own_environment(example: Path, run: Runner, block: str) -> None:
    override, changed, read = CASES[block]
    assert run(example, "render").exit_code == 0
    before = files_under(example / "rendered")
    assert read(manifest_objects(before[MANIFEST].decode())[changed]) != EXPECTED[block]
    edit(example / f"releases/{RELEASE}.yaml", "    staging: {}\n", f"    staging:\n      {override}\n")
    assert run(example, "render").exit_code == 0
    after = files_under(example / "rendered")
    assert read(manifest_objects(after[MANIFEST].decode())[changed]) == EXPECTED[block]
    differ = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    assert MANIFEST in differ
    # The spec's hash is in every environment's provenance; the manifests of dev and prod stay as they were.
    provenance = {f"{env}/{RELEASE}/modelops.metadata" for env in ("dev", "staging", "prod")}
    assert {path for path in differ - provenance if not path.startswith(f"staging/{RELEASE}/")} == set()
