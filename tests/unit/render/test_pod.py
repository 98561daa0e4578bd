"""The pod around the server: identity and scratch space, ephemeral storage, graceful stop, the PDB,
and Hub tokens kept away from an offline server; on the rendered example and edited copies."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from generator.validate import quantity
from tests.conftest import edit
from tests.render_helpers import container, example, findings, obj, pod, render

WORKLOADS = ("Deployment", "Rollout")
FETCHER_RUNTIMES = ("vllm", "triton", "torchserve", "tfserving")


def workloads(objects: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(p, o) for p, o in objects.items() if o["kind"] in WORKLOADS and "/_argocd/" not in p]


def workload(objects: dict[str, dict[str, Any]], env: str, release: str) -> dict[str, Any]:
    (found,) = [o for p, o in workloads(objects) if p.startswith(f"rendered/{env}/{release}/")]
    return found


def test_every_server_knows_its_user_and_home_on_a_bounded_emptydir() -> None:
    """The pod's uid has no passwd entry: USER and HOME come from the env, HOME is writable."""
    assert len(workloads(example())) == 15
    for path, o in workloads(example()):
        server = container(o)
        env = {v["name"]: v.get("value") for v in server["env"]}
        assert env["USER"] == "modelops" and env["HOME"] == "/home/modelops", path
        mounts = {m["mountPath"]: m["name"] for m in server["volumeMounts"]}
        volumes = {v["name"]: v for v in pod(o)["volumes"]}
        for scratch in ("/tmp", "/home/modelops"):
            assert "sizeLimit" in volumes[mounts[scratch]]["emptyDir"], (path, scratch)


def _disk(volume: dict[str, Any]) -> Decimal:
    empty = volume.get("emptyDir")
    if empty is None or empty.get("medium") == "Memory":  # tmpfs counts as memory, not disk
        return Decimal(0)
    return quantity.parse(empty["sizeLimit"])


def test_ephemeral_storage_covers_every_emptydir_on_disk_plus_headroom() -> None:
    for path, o in workloads(example()):
        resources = container(o)["resources"]
        request = resources["requests"]["ephemeral-storage"]
        assert resources["limits"]["ephemeral-storage"] == request, path
        on_disk = sum((_disk(v) for v in pod(o)["volumes"]), Decimal(0))
        assert quantity.parse(request) >= on_disk + quantity.parse("2Gi"), path
    big = container(workload(example(), "prod", "llama3-70b-instruct"))["resources"]["requests"]
    assert big["ephemeral-storage"] == "172Gi"  # 160Gi model + 2Gi /tmp + 8Gi HOME + 2Gi headroom


def test_a_model_read_from_a_claim_takes_no_ephemeral_storage(example: Path) -> None:
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "      uri: s3://models/meta-llama/llama-3.1-8b-instruct/3.1.1/\n",
        "      uri: pvc://model-store/llama-3.1-8b-instruct/3.1.1\n",
    )
    resources = container(workload(render(example), "dev", "llama3-8b-chat"))["resources"]
    assert resources["requests"]["ephemeral-storage"] == "12Gi"  # /tmp, HOME, headroom: no model


def test_declared_ephemeral_storage_is_used_and_must_cover_the_model(example: Path) -> None:
    release = example / "releases/llama3-8b-chat.yaml"
    edit(release, "    memory: 32Gi\n", "    memory: 32Gi\n    ephemeralStorage: 100Gi\n")
    resources = container(workload(render(example), "dev", "llama3-8b-chat"))["resources"]
    assert resources["limits"]["ephemeral-storage"] == "100Gi"
    edit(release, "    ephemeralStorage: 100Gi\n", "    ephemeralStorage: 20Gi\n")
    (problem,) = [f for f in findings(example) if "ephemeralStorage" in f]
    assert problem.startswith("releases/llama3-8b-chat.yaml:")
    assert "ephemeralStorage 20Gi is below what the pod's emptyDirs may hold (52Gi" in problem


def test_pdb_lets_unhealthy_pods_go_where_kubernetes_supports_it() -> None:
    """Beta and on by default from 1.27 (GA 1.31): prod (1.30) and dev (1.31) get it, KServe's PDB too."""
    for env, release in (
        ("dev", "llama3-70b-instruct"),
        ("prod", "llama3-70b-instruct"),
        ("dev", "distilbert-sentiment"),
    ):
        budget = obj(example(), env, release, "PodDisruptionBudget")
        assert budget["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow", (env, release)
        assert budget["spec"]["maxUnavailable"] == 1


def test_no_unhealthy_pod_eviction_policy_before_kubernetes_1_27(example: Path) -> None:
    """1.26 has the field behind an alpha gate, off by default: the API server would drop it."""
    edit(example / "environments/dev.yaml", '  kubernetesVersion: "1.31"\n', '  kubernetesVersion: "1.26"\n')
    budget = obj(render(example), "dev", "llama3-70b-instruct", "PodDisruptionBudget")
    assert "unhealthyPodEvictionPolicy" not in budget["spec"]
    # Valid for 1.26's schemas (the example's placeholder images stay waived).
    assert not [f for f in findings(example) if f.startswith("rendered/dev/") and "waived" not in f]


def test_prestop_keeps_serving_then_drains_within_the_grace_period() -> None:
    """preStop waits 10 s for the endpoints to drop the pod plus the runtime's drain; then 30 s to exit."""
    for env, release, drain in (("prod", "llama3-70b-instruct", 300), ("prod", "bge-embeddings", 20)):
        o = workload(example(), env, release)
        assert container(o)["lifecycle"] == {"preStop": {"sleep": {"seconds": 10 + drain}}}, release
        assert pod(o)["terminationGracePeriodSeconds"] == 10 + drain + 30, release
    for path, o in workloads(example()):
        seconds = container(o)["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert pod(o)["terminationGracePeriodSeconds"] > seconds, path


def test_drain_seconds_from_the_spec_and_exec_sleep_before_kubernetes_1_30(example: Path) -> None:
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "  rollout:\n    strategy: rolling\n",
        "  rollout:\n    strategy: rolling\n  serving:\n    drainSeconds: 600\n",
    )
    edit(example / "environments/dev.yaml", '  kubernetesVersion: "1.31"\n', '  kubernetesVersion: "1.29"\n')
    objects = render(example)
    staging = workload(objects, "staging", "llama3-8b-chat")
    assert container(staging)["lifecycle"] == {"preStop": {"sleep": {"seconds": 610}}}
    assert pod(staging)["terminationGracePeriodSeconds"] == 640
    # 1.29 has the sleep action only behind an alpha gate that is off by default.
    dev = workload(objects, "dev", "llama3-8b-chat")
    assert container(dev)["lifecycle"] == {"preStop": {"exec": {"command": ["sleep", "610"]}}}
    assert not [f for f in findings(example) if "waived" not in f]  # each valid for its version


def test_liveness_tolerates_a_busy_server_and_startup_covers_loading() -> None:
    for path, o in workloads(example()):
        server = container(o)
        live, start = server["livenessProbe"], server["startupProbe"]
        assert live["periodSeconds"] * live["failureThreshold"] >= 60, path
        assert live["timeoutSeconds"] < live["periodSeconds"], path
        assert start["periodSeconds"] * start["failureThreshold"] >= 1800, path


def test_a_hub_token_never_reaches_a_server_that_runs_offline(example: Path) -> None:
    """Left out of the vLLM server's env (HF_HUB_OFFLINE=1), and reported as a warning."""
    token = "    env:\n      - name: HF_TOKEN\n        secretKeyRef: {name: huggingface, key: token}\n"
    edit(example / "releases/llama3-8b-chat.yaml", "    env:\n", token + "      - name: OTHER\n        value: x\n")
    o = workload(render(example), "dev", "llama3-8b-chat")
    names = [v["name"] for v in container(o)["env"]]
    assert "HF_TOKEN" not in names and "OTHER" in names and "VLLM_LOGGING_LEVEL" in names
    assert "env" not in pod(o)["initContainers"][0]  # an s3:// artifact: the fetcher has no use for it either
    (warning,) = [f for f in findings(example) if "is not injected" in f]
    assert warning.startswith("releases/llama3-8b-chat.yaml:27:9: spec.runtime.env[0].name: HF_TOKEN is not injected")
    assert warning.endswith("left out: the model comes from the artifact, not from the Hub (in dev, staging, prod)")


def test_a_hub_token_goes_to_the_fetcher_of_an_hf_artifact(example: Path) -> None:
    release = example / "releases/llama3-8b-chat.yaml"
    edit(release, "      uri: s3://models/meta-llama/llama-3.1-8b-instruct/3.1.1/\n", "      uri: hf://meta-llama/x\n")
    edit(release, "    env:\n", "    env:\n      - name: HF_TOKEN\n        secretKeyRef: {name: hf, key: token}\n")
    o = workload(render(example), "dev", "llama3-8b-chat")
    assert not any(v["name"] == "HF_TOKEN" for v in container(o)["env"])
    (fetcher,) = pod(o)["initContainers"]
    assert fetcher["env"] == [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}]
    # dev and staging read the hf:// artifact; prod pins its own s3:// one, whose fetcher needs no token.
    warnings = [f for f in findings(example) if "is not injected" in f]
    assert [w.rsplit("(in ", 1)[1] for w in warnings] == ["dev, staging)", "prod)"]
    assert "it goes to the model fetcher instead" in warnings[0] and "left out" in warnings[1]


def test_the_example_passes_no_hub_token_anywhere() -> None:
    for path, o in workloads(example()):
        for c in [*pod(o)["containers"], *pod(o)["initContainers"]]:
            assert not any(v["name"] == "HF_TOKEN" for v in c.get("env", [])), path
