"""Findings for autoscalers the declared metrics pipeline cannot serve, and for scale-to-zero where it cannot work."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import edit
from tests.render_helpers import findings

STAGING_METRIC = (
    '          type: queue\n          averageValue: "10"\n'
    "          latencySeconds: 3            # p95 time to first token\n"
)


def test_with_no_pipeline_a_queue_metric_is_refused_naming_field_and_capability(example: Path) -> None:
    edit(example / "environments/dev.yaml", "metrics: prometheus-adapter", "metrics: none")
    found = findings(example)
    assert any(
        f.startswith("releases/llama3-8b-chat.yaml:")
        and "spec.scaling.metric.type" in f
        and "spec.cluster.capabilities.autoscaling.metrics: none" in f
        and "(in dev)" in f
        for f in found
    ), found


def test_with_no_pipeline_cpu_and_memory_still_scale(example: Path) -> None:
    edit(example / "environments/dev.yaml", "metrics: prometheus-adapter", "metrics: none")
    assert not [f for f in findings(example) if "toxicity-classifier" in f and "autoscal" in f]


def test_keda_serves_no_pods_metric(example: Path) -> None:
    edit(example / "releases/llama3-8b-chat.yaml", "      type: queue ", "      type: pods  ")
    edit(
        example / "releases/llama3-8b-chat.yaml",
        '      averageValue: "5"',
        '      name: my_queue\n      averageValue: "5"',
    )
    found = [f for f in findings(example) if "KEDA does not serve" in f]
    assert len(found) == 1 and "spec.scaling.metric.name" in found[0] and "(in staging)" in found[0]


def test_a_latency_trigger_needs_keda(example: Path) -> None:
    edit(example / "environments/staging.yaml", "metrics: keda", "metrics: prometheus-adapter")
    found = [f for f in findings(example) if "latency trigger" in f]
    assert len(found) == 1 and "spec.scaling.metric.latencySeconds" in found[0] and "(in staging)" in found[0]


def test_scale_to_zero_is_refused_in_a_strict_environment(example: Path) -> None:
    edit(example / "environments/prod.yaml", "metrics: prometheus-adapter", "metrics: keda")
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "        minReplicas: 2\n        maxReplicas: 6\n",
        "        minReplicas: 2\n        maxReplicas: 6\n        scaleToZero:\n          enabled: true\n"
        "          wakeQuery: sum(rate(gateway_requests[2m]))\n",
    )
    found = [f for f in findings(example) if "scaleToZero" in f]
    assert len(found) == 1 and "policy level strict" in found[0] and "(in prod)" in found[0]


def test_scale_to_zero_needs_a_wake_query_and_keda(example: Path) -> None:
    text = (example / "releases/llama3-70b-instruct.yaml").read_text()
    wake = next(line for line in text.splitlines(keepends=True) if "wakeQuery:" in line)
    edit(example / "releases/llama3-70b-instruct.yaml", wake, "")
    found = [f for f in findings(example) if "scaleToZero" in f]
    assert len(found) == 1 and "spec.scaling.scaleToZero.wakeQuery" in found[0] and "nothing would wake it" in found[0]
    edit(example / "environments/staging.yaml", "metrics: keda", "metrics: prometheus-adapter")
    assert any("scaleToZero.enabled: scaling to zero needs a KEDA ScaledObject" in f for f in findings(example))


def test_scale_to_zero_needs_the_queue_metric(example: Path) -> None:
    edit(example / "releases/llama3-70b-instruct.yaml", STAGING_METRIC, "          type: cpu\n          target: 70\n")
    found = [f for f in findings(example) if "scaleToZero" in f]
    assert len(found) == 1 and "needs scaling.metric type queue (it is cpu)" in found[0]


def test_a_runtime_without_a_queue_gauge_cannot_scale_on_it(example: Path) -> None:
    edit(
        example / "releases/resnet50-classifier.yaml",
        "      type: cpu\n      target: 75\n",
        '      type: queue\n      averageValue: "2"\n',
    )
    found = [f for f in findings(example) if "no gauge of waiting requests" in f]
    assert found and all("spec.scaling.metric.type" in f and "torchserve" in f for f in found)


def test_the_queue_is_read_only_where_prometheus_scrapes_it(example: Path) -> None:
    edit(
        example / "releases/llama3-70b-instruct.yaml",
        "  environments:\n",
        "  monitoring:\n    enabled: false\n  environments:\n",
    )
    found = [f for f in findings(example) if "spec.monitoring.enabled" in f and "never scale" in f]
    assert found and all(f.startswith("releases/llama3-70b-instruct.yaml") for f in found)
