"""Built-in checks on whatever a template might render: findings, never crashes."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "node",
    [
        None,
        [],
        "text",
        {"resources": None, "env": None, "image": 3},
        {"resources": {"limits": None, "requests": "x"}, "env": [None, "x", {"value": "hf_" + "a" * 32}]},
        {"resources": {"limits": {1: 2, "nvidia.com/gpu": "lots"}}},
    ],
)
def test_node_builtins_tolerate_any_node(node: object) -> None:
    from generator.validate.policy import builtins

    for check in builtins.NODE.values():
        for path, message in check(node, {}, {"registries": ["r.example.com/", 5]}):
            assert message and isinstance(path, tuple)


def test_gpu_counts_compare_as_quantities() -> None:
    from generator.validate.policy import builtins

    equal = {"resources": {"requests": {"nvidia.com/gpu": "2"}, "limits": {"nvidia.com/gpu": 2}}}
    assert builtins.NODE["gpu-limits-equal-requests"](equal, {}, {}) == []
    unequal = {"resources": {"requests": {"nvidia.com/gpu": 1}, "limits": {"nvidia.com/gpu": "2"}}}
    assert builtins.NODE["gpu-limits-equal-requests"](unequal, {}, {})


def _workload(name: str, gpus: object, replicas: object = None) -> dict[str, object]:
    spec: dict[str, object] = {
        "template": {"spec": {"containers": [{"name": "server", "resources": {"limits": {"nvidia.com/gpu": gpus}}}]}}
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {"kind": "Deployment", "metadata": {"name": name}, "spec": spec}


def test_the_gpu_budget_sums_every_workload_of_a_release() -> None:
    from generator.validate.policy import builtins

    budget = builtins.RELEASE["max-gpus-per-release"]
    env = {"policy": {"maxGpusPerRelease": 8}}
    assert budget([_workload("a", 2.0, "4")], {}, env) == []
    over = budget([_workload("a", "2", 3), _workload("b", 1, 3)], {}, env)
    assert over == [
        (0, ("spec",), "9 GPUs at max replicas (largest: 2 per pod x 3); the environment allows 8 per release")
    ]
    hpa_without_spec = {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "a"}}
    assert budget([_workload("a", 4, None), hpa_without_spec], {}, env) == []


def test_the_gpu_budget_reads_a_scaled_objects_max_replicas() -> None:
    from generator.validate.policy import builtins

    budget = builtins.RELEASE["max-gpus-per-release"]
    env = {"policy": {"maxGpusPerRelease": 8}}
    scaled = {
        "kind": "ScaledObject",
        "metadata": {"name": "a"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "a"}, "maxReplicaCount": 3},
    }
    assert budget([_workload("a", 4), scaled], {}, env) == [
        (0, ("spec",), "12 GPUs at max replicas (4 per pod x 3); the environment allows 8 per release")
    ]
