"""vLLM: the OpenAI server, its config file, probes, GPUs and shared memory."""

from __future__ import annotations

from pathlib import Path

from generator.inputs import yamlio
from tests.conftest import edit
from tests.render_helpers import container, example, obj, pod, render

FETCHER = (
    "registry.example.com/platform/model-fetcher:1.4.2@sha256:"
    "cc4324e0eff00b36bbd6b0a25ca8e6c86ffdfcbfce0d0da1b66d4db799b5fc6c"
)


def test_single_gpu_server_container() -> None:
    deployment = obj(example(), "dev", "llama3-8b-chat", "Deployment")
    server = container(deployment)
    assert server["image"] == (
        "registry.example.com/mirror/vllm/vllm-openai:v0.11.0@sha256:"
        "e44d97c0831ea25f1a5afb18388af5136e27eec77f466915df43bcd1f50f96d5"
    )
    assert server["args"] == ["--config", "/etc/modelops/vllm.yaml"]
    assert "command" not in server  # the image's entrypoint is the OpenAI server
    assert server["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    # ephemeral-storage: the 40Gi model, /tmp 2Gi, HOME 8Gi and 2Gi of headroom.
    assert server["resources"] == {
        "requests": {"cpu": "4", "memory": "32Gi", "ephemeral-storage": "52Gi", "nvidia.com/gpu": 1},
        "limits": {"cpu": "4", "memory": "32Gi", "ephemeral-storage": "52Gi", "nvidia.com/gpu": 1},
    }
    # liveness: two minutes without an answer on one GPU; startup: the 30-minute floor for 40Gi.
    probes = (("readinessProbe", 10, 5, 3), ("livenessProbe", 20, 10, 6), ("startupProbe", 10, 5, 180))
    for probe, period, timeout, failures in probes:
        assert server[probe] == {
            "httpGet": {"path": "/health", "port": "http"},
            "periodSeconds": period,
            "timeoutSeconds": timeout,
            "failureThreshold": failures,
        }
    assert {"name": "HF_HUB_OFFLINE", "value": "1"} in server["env"]
    assert {"name": "VLLM_LOGGING_LEVEL", "value": "INFO"} in server["env"]
    assert not any(v["name"] == "dshm" for v in pod(deployment)["volumes"])  # one GPU: no NCCL shared memory


def test_config_file_carries_the_serving_arguments() -> None:
    configmap = obj(example(), "dev", "llama3-8b-chat", "ConfigMap", "llama3-8b-chat-runtime")
    config = yamlio.load(configmap["data"]["vllm.yaml"], "vllm.yaml").data
    assert config == {
        "model": "/mnt/models",
        "served-model-name": "meta-llama/Llama-3.1-8B-Instruct",
        "host": "0.0.0.0",
        "port": 8000,
        "tensor-parallel-size": 1,
        "dtype": "bfloat16",
        "max-model-len": 8192,
        "gpu-memory-utilization": 0.9,
        "enable-prefix-caching": True,
    }
    deployment = obj(example(), "dev", "llama3-8b-chat", "Deployment")
    assert {"name": "config", "configMap": {"name": "llama3-8b-chat-runtime"}} in pod(deployment)["volumes"]
    assert {"name": "config", "mountPath": "/etc/modelops", "readOnly": True} in container(deployment)["volumeMounts"]
    assert len(deployment["spec"]["template"]["metadata"]["annotations"]["modelops.io/config-hash"]) == 16


def test_tensor_parallel_across_four_gpus_gets_shared_memory() -> None:
    deployment = obj(example(), "dev", "llama3-70b-instruct", "Deployment")
    configmap = obj(example(), "dev", "llama3-70b-instruct", "ConfigMap", "llama3-70b-instruct-runtime")
    config = yamlio.load(configmap["data"]["vllm.yaml"], "vllm.yaml").data
    assert config["tensor-parallel-size"] == 4 and config["max-model-len"] == 32768
    assert container(deployment)["resources"]["limits"]["nvidia.com/gpu"] == 4
    assert {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}} in pod(deployment)["volumes"]
    assert {"name": "dshm", "mountPath": "/dev/shm"} in container(deployment)["volumeMounts"]
    # Four GPUs: liveness waits five minutes (2 + 1 per extra GPU); startup 15 min + 10 s per GiB of 160Gi.
    liveness, startup = container(deployment)["livenessProbe"], container(deployment)["startupProbe"]
    assert (liveness["periodSeconds"] * liveness["failureThreshold"], liveness["timeoutSeconds"]) == (300, 10)
    assert startup["periodSeconds"] * startup["failureThreshold"] == 900 + 1600
    assert not any(v["name"] == "HF_TOKEN" for v in container(deployment)["env"])


def test_artifact_is_fetched_by_an_init_container_and_pinned_by_digest() -> None:
    deployment = obj(example(), "prod", "llama3-8b-chat", "Rollout")
    (fetch,) = pod(deployment)["initContainers"]
    digest = "sha256:550df0e1d8540389ee7f5dde6ff95a2b1c8756658281ca2be325dade60521948"
    assert fetch["image"] == FETCHER
    assert fetch["args"] == [
        "--uri",
        "s3://models/meta-llama/llama-3.1-8b-instruct/3.1.0/",
        "--digest",
        digest,
        "--dest",
        "/mnt/models",
    ]
    assert fetch["envFrom"] == [{"secretRef": {"name": "model-store-readonly"}}]
    assert fetch["command"] == ["modelops", "fetch"]
    # The fetcher stages beside /mnt/models on the same volume; the server sees only models/, read-only.
    assert {"name": "model", "mountPath": "/mnt"} in fetch["volumeMounts"]
    assert {"name": "model", "mountPath": "/mnt/models", "readOnly": True, "subPath": "models"} in (
        container(deployment)["volumeMounts"]
    )
    assert {"name": "model", "emptyDir": {"sizeLimit": "40Gi"}} in pod(deployment)["volumes"]
    assert deployment["spec"]["template"]["metadata"]["annotations"]["modelops.io/artifact-digest"] == digest


def test_quantization_and_served_name_reach_the_config(example: Path) -> None:
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "      dtype: bfloat16\n",
        "      dtype: half\n      quantization: awq\n      servedModelName: chat\n      trustRemoteCode: false\n",
    )
    configmap = obj(render(example), "dev", "llama3-8b-chat", "ConfigMap", "llama3-8b-chat-runtime")
    config = yamlio.load(configmap["data"]["vllm.yaml"], "vllm.yaml").data
    assert (config["dtype"], config["quantization"], config["served-model-name"]) == ("half", "awq", "chat")
    assert "trust-remote-code" not in config  # false means: leave the flag out
