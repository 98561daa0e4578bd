"""What the templates make of a release: pod security, GPU scheduling, and the objects of each rollout strategy."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import add_release_secret, edit
from tests.render_helpers import container, example, obj, pod, render

# ------------------------------------------------------------------ pod security, network policy, secrets,
# service accounts


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
            "ports": [{"port": "http", "protocol": "TCP"}, {"port": "grpc", "protocol": "TCP"}],
        },
        {
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
            "ports": [{"port": "metrics", "protocol": "TCP"}],
        },
    ]
    kserve = obj(example(), "dev", "distilbert-sentiment", "NetworkPolicy")["spec"]
    assert kserve["podSelector"] == {"matchLabels": {"serving.kserve.io/inferenceservice": "distilbert-sentiment"}}
    assert "ports" not in kserve["ingress"][0]  # RawDeployment: KServe's runtime owns the pod's ports


def test_secrets_come_from_external_secrets_or_references(example: Path) -> None:
    add_release_secret(example)
    secret = obj(render(example), "prod", "llama3-70b-instruct", "ExternalSecret", "huggingface")
    assert secret["apiVersion"] == "external-secrets.io/v1"
    assert secret["spec"] == {
        "refreshInterval": "1h",
        "secretStoreRef": {"name": "vault-backend", "kind": "ClusterSecretStore"},
        "target": {"name": "huggingface", "creationPolicy": "Owner"},
        "dataFrom": [{"extract": {"key": "ml-platform/huggingface"}}],
    }
    assert secret["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "-1"  # before the pods need it
    assert not any(o["kind"] == "Secret" for o in render(example).values())


def test_service_account_has_no_token() -> None:
    account = obj(example(), "dev", "llama3-8b-chat", "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    assert pod(obj(example(), "dev", "llama3-8b-chat", "Deployment"))["serviceAccountName"] == "llama3-8b-chat"


# ------------------------------------------------------------------ GPU scheduling: node selectors or affinity per
# GPU type, tolerations, priority, zone spread


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


# ------------------------------------------------------------------ rolling, blue-green and canary: the workload
# kind, Services and rollout fields each produces


def test_rolling_is_a_deployment_with_the_spec_surge() -> None:
    deployment = obj(example(), "dev", "toxicity-classifier", "Deployment")
    assert deployment["apiVersion"] == "apps/v1"
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
    }
    assert "replicas" not in deployment["spec"]  # the HPA owns the replica count
    assert deployment["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/instance": "toxicity-classifier-dev",
        "app.kubernetes.io/name": "toxicity-classifier",
    }
    hpa = obj(example(), "dev", "toxicity-classifier", "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "toxicity-classifier",
    }


def test_rolling_surge_from_the_spec(example: Path) -> None:
    edit(
        example / "releases/toxicity-classifier.yaml",
        "  environments:\n",
        "  rollout:\n    maxSurge: 1\n    maxUnavailable: 10%\n  environments:\n",
    )
    deployment = obj(render(example), "dev", "toxicity-classifier", "Deployment")
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": "10%"}


def test_blue_green_rollout_with_active_and_preview_services() -> None:
    rollout = obj(example(), "prod", "llama3-70b-instruct", "Rollout")
    assert rollout["apiVersion"] == "argoproj.io/v1alpha1"
    assert rollout["spec"]["strategy"] == {
        "blueGreen": {
            "activeService": "llama3-70b-instruct",
            "previewService": "llama3-70b-instruct-preview",
            "autoPromotionEnabled": False,
            "scaleDownDelaySeconds": 600,
            # vLLM's own sample request (tests/unit/render/test_smoketest.py)
            "prePromotionAnalysis": {"templates": [{"templateName": "llama3-70b-instruct-smoke-test"}]},
        }
    }
    active = obj(example(), "prod", "llama3-70b-instruct", "Service")
    preview = obj(example(), "prod", "llama3-70b-instruct", "Service", "llama3-70b-instruct-preview")
    assert active["spec"]["selector"] == preview["spec"]["selector"] == rollout["spec"]["selector"]["matchLabels"]
    assert active["metadata"]["labels"]["modelops.io/service-role"] == "stable"
    assert preview["metadata"]["labels"]["modelops.io/service-role"] == "preview"
    hpa = obj(example(), "prod", "llama3-70b-instruct", "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["kind"] == "Rollout"


def test_canary_rollout_with_steps_services_and_analysis() -> None:
    rollout = obj(example(), "prod", "llama3-8b-chat", "Rollout")
    canary = rollout["spec"]["strategy"]["canary"]
    # prod routes canaries through the Gateway API (tests/unit/render/test_traffic.py); the
    # release's own Service still selects every pod, and Argo narrows only the stable/canary ones.
    assert (canary["stableService"], canary["canaryService"]) == ("llama3-8b-chat-stable", "llama3-8b-chat-canary")
    service = obj(example(), "prod", "llama3-8b-chat", "Service")
    assert "rollouts-pod-template-hash" not in service["spec"]["selector"]
    assert service["spec"]["selector"].items() <= rollout["spec"]["template"]["metadata"]["labels"].items()
    assert canary["steps"] == [
        {"setWeight": 10},
        {"pause": {"duration": "15m"}},
        {"setWeight": 50},
        {"pause": {"duration": "30m"}},
    ]
    assert canary["analysis"] == {
        "templates": [{"templateName": "llama3-8b-chat-analysis"}],
        "startingStep": 1,
        "args": [{"name": "pod-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}],
    }
    analysis = obj(example(), "prod", "llama3-8b-chat", "AnalysisTemplate", "llama3-8b-chat-analysis")
    assert [m["name"] for m in analysis["spec"]["metrics"]] == [
        "error-rate",
        "latency-p95",
        "time-to-first-token-p95",
        "time-per-output-token-p95",
    ]
    latency = analysis["spec"]["metrics"][1]
    assert latency["successCondition"] == "len(result) == 0 || isNaN(result[0]) || result[0] <= 4"
    assert latency["provider"]["prometheus"]["address"] == "http://prometheus-operated.monitoring.svc:9090"
    assert latency["provider"]["prometheus"]["query"] == (
        "histogram_quantile(0.95, sum by (le) (rate(vllm:e2e_request_latency_seconds_bucket"
        '{namespace="models-prod",rollouts_pod_template_hash="{{args.pod-hash}}"}[5m])))'
    )
    # Without analysis there is no template and no analysis block.
    toxicity = obj(example(), "prod", "toxicity-classifier", "Rollout")["spec"]["strategy"]["canary"]
    assert "analysis" not in toxicity
    assert toxicity["steps"][-1] == {"pause": {}}  # an indefinite pause waits for a human
    assert not any("/toxicity-classifier/analysistemplate-" in p for p in example())


def test_a_kserve_canary_at_rest_has_no_traffic_percentage() -> None:
    # A percentage left in place would hold every later revision at it: only a running canary has one.
    predictor = obj(example(), "prod", "distilbert-sentiment", "InferenceService")["spec"]["predictor"]
    assert "canaryTrafficPercent" not in predictor


def test_every_strategy_and_runtime_is_in_the_example() -> None:
    workloads = [o for o in example().values() if o["kind"] in ("Deployment", "Rollout", "InferenceService")]
    strategies = {o["metadata"]["annotations"]["modelops.io/rollout-strategy"] for o in workloads}
    runtimes = {o["metadata"]["labels"]["modelops.io/runtime"] for o in workloads}
    assert strategies == {"rolling", "blue-green", "canary"}
    assert runtimes == {"vllm", "triton", "torchserve", "tfserving", "kserve"}
    envs = {o["metadata"]["namespace"] for o in workloads}
    assert envs == {"models-dev", "models-staging", "models-prod"}
