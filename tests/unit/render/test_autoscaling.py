"""The autoscaler each environment's metrics pipeline gets: KEDA ScaledObjects, adapter-named HPAs, CPU HPAs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from generator.render.runtimes import triton, vllm
from tests.conftest import PROJECT, edit
from tests.render_helpers import example, kinds, obj, render

PROMETHEUS = "http://prometheus-operated.monitoring.svc:9090"


def test_keda_renders_a_scaled_object_on_vllms_real_queue_instead_of_the_hpa() -> None:
    assert "ScaledObject" in kinds(example(), "staging", "llama3-8b-chat")
    assert "HorizontalPodAutoscaler" not in kinds(example(), "staging", "llama3-8b-chat")
    scaled = obj(example(), "staging", "llama3-8b-chat", "ScaledObject")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    spec = scaled["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llama3-8b-chat"}
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (1, 2)
    assert "idleReplicaCount" not in spec and "cooldownPeriod" not in spec  # no scale to zero asked for
    assert spec["triggers"] == [
        {
            "type": "prometheus",
            "name": "queue",
            "metadata": {
                "serverAddress": PROMETHEUS,
                "query": 'sum(vllm:num_requests_waiting{namespace="models-staging",service="llama3-8b-chat-metrics"})',
                "threshold": "5",
            },
        }
    ]
    assert spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"]


def test_the_queue_query_selects_the_series_the_service_monitor_scrapes() -> None:
    """The Prometheus Operator labels each series with the Service its ServiceMonitor selected."""
    monitor = obj(example(), "staging", "llama3-8b-chat", "ServiceMonitor")
    service = obj(example(), "staging", "llama3-8b-chat", "Service", "llama3-8b-chat-metrics")
    labels = service["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in monitor["spec"]["selector"]["matchLabels"].items())
    query = obj(example(), "staging", "llama3-8b-chat", "ScaledObject")["spec"]["triggers"][0]["metadata"]["query"]
    assert f'service="{service["metadata"]["name"]}"' in query
    assert f'namespace="{service["metadata"]["namespace"]}"' in query


def test_latency_trigger_and_scale_to_zero_with_a_wake_trigger() -> None:
    spec = obj(example(), "staging", "llama3-70b-instruct", "ScaledObject")["spec"]
    assert (spec["idleReplicaCount"], spec["minReplicaCount"], spec["cooldownPeriod"]) == (0, 1, 3600)
    by_name = {t["name"]: t for t in spec["triggers"]}
    assert list(by_name) == ["queue", "latency", "wake"]
    latency = by_name["latency"]
    # p95 does not add up over pods: a Value target scales replicas in proportion to it.
    assert latency["metricType"] == "Value"
    assert latency["metadata"]["threshold"] == "3"
    assert latency["metadata"]["query"].startswith(
        "histogram_quantile(0.95, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{"
    )
    wake = by_name["wake"]["metadata"]
    assert wake["query"].startswith("clamp_max(sum(rate(nginx_ingress_controller_requests{")
    assert (wake["threshold"], wake["activationThreshold"]) == ("1", "0")
    assert all(t["metadata"]["serverAddress"] == PROMETHEUS for t in spec["triggers"])


def test_a_rollout_is_the_scale_target_of_a_progressive_release(example: Path) -> None:
    edit(example / "environments/prod.yaml", "metrics: prometheus-adapter", "metrics: keda")
    scaled = obj(render(example), "prod", "llama3-70b-instruct", "ScaledObject")
    assert scaled["spec"]["scaleTargetRef"] == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": "llama3-70b-instruct",
    }
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (2, 4)


def test_keda_keeps_cpu_releases_on_a_plain_hpa() -> None:
    hpa = obj(example(), "staging", "toxicity-classifier", "HorizontalPodAutoscaler")
    assert hpa["spec"]["metrics"][0]["type"] == "Resource"
    assert "ScaledObject" not in kinds(example(), "staging", "toxicity-classifier")


def test_triton_scales_on_its_pending_request_gauge(example: Path) -> None:
    edit(
        example / "releases/bge-embeddings.yaml",
        "      type: cpu\n      target: 70\n",
        '      type: queue\n      averageValue: "4"\n',
    )
    edit(example / "environments/dev.yaml", "metrics: prometheus-adapter", "metrics: keda")
    objects = render(example)
    (queue,) = obj(objects, "dev", "bge-embeddings", "ScaledObject")["spec"]["triggers"]
    assert queue["metadata"]["query"] == (
        f'sum({triton.PENDING_REQUESTS}{{namespace="models-dev",service="bge-embeddings-metrics"}})'
    )
    assert queue["metadata"]["threshold"] == "4"
    # Triton's queue time is a counter of microseconds: per request, in seconds.
    assert triton.SCALING is not None
    latency = triton.SCALING.latency('namespace="ns"', "2m")
    assert triton.QUEUE_DURATION in latency and triton.REQUEST_SUCCESS in latency and latency.endswith(" / 1000000")
    hpa = obj(objects, "prod", "bge-embeddings", "HorizontalPodAutoscaler")
    assert hpa["spec"]["metrics"][0]["pods"]["metric"]["name"] == triton.PENDING_REQUESTS


# ------------------------------------------------------------------ prometheus-adapter


def readme_adapter_rules() -> list[dict]:
    """The prometheus-adapter rules the README documents (its `rules:` YAML blocks)."""
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(rules:\n.*?)```", text, re.S)
    assert blocks, "the README documents no prometheus-adapter rule"
    return [rule for block in blocks for rule in yaml.safe_load(block)["rules"]["custom"]]


def test_the_hpa_asks_for_the_name_the_readmes_adapter_rule_exposes() -> None:
    hpa = obj(example(), "prod", "llama3-8b-chat", "HorizontalPodAutoscaler")
    metric = hpa["spec"]["metrics"][0]
    assert metric["type"] == "Pods"
    asked = metric["pods"]["metric"]["name"]
    rules = readme_adapter_rules()
    exposing = [r for r in rules if r["name"]["as"] == asked]
    assert len(exposing) == 1, (asked, rules)
    rule = exposing[0]
    # The rule reads vLLM's real series and renames exactly it.
    assert rule["seriesQuery"].startswith(vllm.NUM_REQUESTS_WAITING + "{")
    assert re.fullmatch(rule["name"]["matches"], vllm.NUM_REQUESTS_WAITING)
    assert rule["resources"]["overrides"] == {"namespace": {"resource": "namespace"}, "pod": {"resource": "pod"}}
    assert "by (<<.GroupBy>>)" in rule["metricsQuery"]
    assert vllm.SCALING is not None and asked == vllm.SCALING.adapter_name
    assert metric["pods"]["target"] == {"type": "AverageValue", "averageValue": "5"}


def test_no_hpa_asks_for_a_name_with_a_colon_or_the_raw_vllm_series() -> None:
    for path, o in example().items():
        if o["kind"] == "HorizontalPodAutoscaler":
            for m in o["spec"]["metrics"]:
                if m["type"] == "Pods":
                    assert m["pods"]["metric"]["name"] == "vllm_num_requests_waiting", path
