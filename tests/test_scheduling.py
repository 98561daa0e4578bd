"""GPU scheduling: node selectors or affinity per GPU type, tolerations, priority, zone spread."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import edit
from tests.render_helpers import container, example, obj, pod, render

GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


def test_gpu_type_with_a_node_selector() -> None:
    spec = pod(obj(example(), "dev", "llama3-8b-chat", "Deployment"))
    assert spec["nodeSelector"] == {"nvidia.com/gpu.product": "NVIDIA-L4"}
    assert spec["tolerations"] == [GPU_TOLERATION]
    assert "affinity" not in spec


def test_gpu_type_with_products_uses_node_affinity() -> None:
    spec = pod(obj(example(), "prod", "llama3-70b-instruct", "Rollout"))
    assert spec["affinity"] == {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {
                                "key": "nvidia.com/gpu.product",
                                "operator": "In",
                                "values": ["NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-80GB-HBM3-SXM"],
                            }
                        ]
                    }
                ]
            }
        }
    }
    assert "nodeSelector" not in spec


def test_prod_priority_class_and_zone_spread() -> None:
    spec = pod(obj(example(), "prod", "bge-embeddings", "Rollout"))
    assert spec["priorityClassName"] == "model-serving-critical"
    assert spec["topologySpreadConstraints"] == [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {
                "matchLabels": {
                    "app.kubernetes.io/instance": "bge-embeddings-prod",
                    "app.kubernetes.io/name": "bge-embeddings",
                }
            },
        }
    ]
    dev = pod(obj(example(), "dev", "bge-embeddings", "Deployment"))
    assert "priorityClassName" not in dev and "topologySpreadConstraints" not in dev


def test_spec_tolerations_and_node_selector_merge_with_the_gpu_type(example: Path) -> None:
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "  rollout:\n    strategy: rolling\n",
        "  rollout:\n    strategy: rolling\n  scheduling:\n    nodeSelector:\n      pool: inference\n"
        "    tolerations:\n      - key: dedicated\n        operator: Equal\n        value: models\n"
        "        effect: NoSchedule\n",
    )
    spec = pod(obj(render(example), "dev", "llama3-8b-chat", "Deployment"))
    assert spec["nodeSelector"] == {"nvidia.com/gpu.product": "NVIDIA-L4", "pool": "inference"}
    assert spec["tolerations"] == [
        GPU_TOLERATION,
        {"key": "dedicated", "operator": "Equal", "value": "models", "effect": "NoSchedule"},
    ]


def test_gpu_requests_equal_limits_everywhere() -> None:
    for path, o in example().items():
        if o["kind"] in ("Deployment", "Rollout"):
            resources = container(o)["resources"]
            assert resources["requests"].get("nvidia.com/gpu") == resources["limits"].get("nvidia.com/gpu"), path
