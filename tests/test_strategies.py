"""Rolling, blue-green and canary: the workload kind, Services and rollout fields each produces."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import edit
from tests.render_helpers import example, obj, render


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
    # No traffic router: the release's Service must reach canary pods too, so Argo must not narrow it.
    assert "stableService" not in canary and "canaryService" not in canary
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


def test_kserve_canary_is_a_traffic_percentage() -> None:
    predictor = obj(example(), "prod", "distilbert-sentiment", "InferenceService")["spec"]["predictor"]
    assert predictor["canaryTrafficPercent"] == 10


def test_every_strategy_and_runtime_is_in_the_example() -> None:
    workloads = [o for o in example().values() if o["kind"] in ("Deployment", "Rollout", "InferenceService")]
    strategies = {o["metadata"]["annotations"]["modelops.io/rollout-strategy"] for o in workloads}
    runtimes = {o["metadata"]["labels"]["modelops.io/runtime"] for o in workloads}
    assert strategies == {"rolling", "blue-green", "canary"}
    assert runtimes == {"vllm", "triton", "torchserve", "tfserving", "kserve"}
    envs = {o["metadata"]["namespace"] for o in workloads}
    assert envs == {"models-dev", "models-staging", "models-prod"}
