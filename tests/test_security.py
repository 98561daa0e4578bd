"""Pod security, network policy, secrets by reference, service accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import InputError
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from tests.conftest import edit
from tests.render_helpers import container, example, obj, pod

RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "privileged": False,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def workloads() -> list[tuple[str, dict]]:
    return [(p, o) for p, o in example().items() if o["kind"] in ("Deployment", "Rollout")]


def test_every_pod_meets_the_restricted_pod_security_standard() -> None:
    for path, workload in workloads():
        spec = pod(workload)
        assert spec["securityContext"] == {
            "runAsNonRoot": True,
            "runAsUser": 1000,
            "runAsGroup": 1000,
            "fsGroup": 1000,
            "seccompProfile": {"type": "RuntimeDefault"},
        }, path
        assert spec["automountServiceAccountToken"] is False
        for c in spec["containers"] + spec["initContainers"]:
            context = c["securityContext"]
            assert {k: context[k] for k in RESTRICTED_CONTAINER} == RESTRICTED_CONTAINER, path
            assert set(c["resources"]["requests"]) >= {"cpu", "memory"}, path
            assert set(c["resources"]["limits"]) >= {"cpu", "memory"}, path
        assert not any("hostPath" in v for v in spec["volumes"])
        assert not any(spec.get(k) for k in ("hostNetwork", "hostPID", "hostIPC"))


def test_read_only_root_filesystem_where_the_runtime_allows() -> None:
    expected = {
        "llama3-8b-chat": True,
        "bge-embeddings": True,
        "toxicity-classifier": True,
        "resnet50-classifier": False,
    }
    for release, read_only in expected.items():
        server = container(obj(example(), "dev", release, "Deployment"))
        assert server["securityContext"]["readOnlyRootFilesystem"] is read_only, release
    vllm = obj(example(), "dev", "llama3-8b-chat", "Deployment")
    assert {m["mountPath"] for m in container(vllm)["volumeMounts"]} >= {"/tmp", "/home/modelops"}


def test_network_policy_admits_only_ingress_and_monitoring_namespaces() -> None:
    policy = obj(example(), "prod", "bge-embeddings", "NetworkPolicy")
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert policy["spec"]["podSelector"] == {
        "matchLabels": {"app.kubernetes.io/instance": "bge-embeddings-prod", "app.kubernetes.io/name": "bge-embeddings"}
    }
    assert policy["spec"]["ingress"] == [
        {
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "inference-gateway"}}}],
            "ports": [
                {"port": "http", "protocol": "TCP"},
                {"port": "grpc", "protocol": "TCP"},
                {"port": "metrics", "protocol": "TCP"},
            ],
        },
        {
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
            "ports": [{"port": "metrics", "protocol": "TCP"}],
        },
    ]
    kserve = obj(example(), "prod", "distilbert-sentiment", "NetworkPolicy")["spec"]
    assert kserve["podSelector"] == {"matchLabels": {"serving.kserve.io/inferenceservice": "distilbert-sentiment"}}
    assert "ports" not in kserve["ingress"][0]  # KServe owns the pod's ports


def test_secrets_come_from_external_secrets_or_references() -> None:
    secret = obj(example(), "prod", "llama3-70b-instruct", "ExternalSecret", "huggingface")
    assert secret["apiVersion"] == "external-secrets.io/v1"
    assert secret["spec"] == {
        "refreshInterval": "1h",
        "secretStoreRef": {"name": "vault-backend", "kind": "ClusterSecretStore"},
        "target": {"name": "huggingface", "creationPolicy": "Owner"},
        "dataFrom": [{"extract": {"key": "ml-platform/huggingface"}}],
    }
    assert secret["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "-1"  # before the pods need it
    assert not any(o["kind"] == "Secret" for o in example().values())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HF_TOKEN", "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"),
        ("DB_PASSWORD", "hunter2"),
        ("SOMETHING", "AKIAABCDEFGHIJKLMNOP"),
    ],
)
def test_plaintext_secret_values_are_refused(example: Path, name: str, value: str) -> None:
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "      - name: VLLM_LOGGING_LEVEL\n        value: INFO\n",
        f"      - name: {name}\n        value: {value}\n",
    )
    with pytest.raises(InputError) as info:
        compose.build(WorkTree(example))
    (diag,) = {d.format() for d in info.value.diagnostics}
    assert diag.startswith(
        f"releases/llama3-8b-chat.yaml:28:9: spec.runtime.env[0].value: env var {name} holds a "
        "plaintext secret; reference a Secret with secretKeyRef"
    )


def test_service_account_has_no_token() -> None:
    account = obj(example(), "dev", "llama3-8b-chat", "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    assert pod(obj(example(), "dev", "llama3-8b-chat", "Deployment"))["serviceAccountName"] == "llama3-8b-chat"
