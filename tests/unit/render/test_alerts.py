"""Monitoring after the rollout: the PrometheusRule of each release, on the rendered objects."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from generator.inputs import origins, resolve, spec
from generator.inputs.origins import Origin
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.schemas import lookup
from tests.conftest import PROJECT, copy_example, edit
from tests.render_helpers import example as bundled
from tests.render_helpers import obj

# Written down here, independently of generator/render/alerts.py: the alerts each runtime gets.
RUNTIME_ALERTS = {
    "llama3-8b-chat": [
        "ModelServerErrorRateHigh",
        "ModelServerLatencyHigh",
        "ModelServerTimeToFirstTokenHigh",
        "ModelServerTimePerOutputTokenHigh",
    ],
    "bge-embeddings": ["ModelServerErrorRateHigh", "ModelServerLatencyHigh"],
    "resnet50-classifier": ["ModelServerErrorRateHigh", "ModelServerLatencyHigh"],
    "toxicity-classifier": ["ModelServerErrorRateHigh", "ModelServerLatencyHigh"],
}


def rule(env: str, release: str, objects: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    return obj(objects or bundled(), env, release, "PrometheusRule")


def alerts(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (group,) = found["spec"]["groups"]
    return {r["alert"]: r for r in group["rules"]}


@pytest.mark.parametrize("release", sorted(RUNTIME_ALERTS))
def test_each_pod_release_alerts_on_its_runtime_metrics_and_readiness(release: str) -> None:
    found = alerts(rule("staging", release))
    assert list(found) == [*RUNTIME_ALERTS[release], "ModelServerPodsNotReady"]
    for name, r in found.items():
        assert r["labels"]["severity"] == "warning"
        assert r["labels"]["modelops_release"] == release
        assert r["annotations"]["runbook_url"] == (
            f"https://github.com/modelops-gitops/modelops/blob/main/docs/runbooks.md#{name.lower()}"
        )
        if name != "ModelServerPodsNotReady":
            # Every pod of the release, through its metrics Service; never one pod-template hash.
            assert f'service="{release}-metrics"' in r["expr"] and "pod-hash" not in r["expr"]


def test_thresholds_come_from_the_release_the_environment_and_the_defaults() -> None:
    found = alerts(rule("prod", "llama3-70b-instruct"))
    assert found["ModelServerTimeToFirstTokenHigh"]["expr"].endswith(") > 8")  # the release spec
    assert found["ModelServerErrorRateHigh"]["expr"].endswith(") > 0.01")  # prod's defaults
    assert found["ModelServerLatencyHigh"]["expr"].endswith(") > 10")  # generator/defaults.yaml
    assert found["ModelServerErrorRateHigh"]["labels"]["severity"] == "critical"
    assert found["ModelServerPodsNotReady"]["for"] == "35m"
    assert found["ModelServerLatencyHigh"]["annotations"]["runbook_url"] == (
        "https://runbooks.example.com/model-serving/modelserverlatencyhigh?release=llama3-70b-instruct&environment=prod"
    )
    # `or` binds looser than `>`: the TPOT fallback is compared as a whole.
    tpot = found["ModelServerTimePerOutputTokenHigh"]["expr"]
    assert tpot.startswith("(histogram_quantile(") and tpot.endswith(")) > 0.5")


def test_explain_names_where_each_threshold_was_set() -> None:
    source = WorkTree(PROJECT)
    inputs = spec.load_inputs(source)
    r = resolve.resolve(inputs.releases["llama3-70b-instruct"], inputs.environments["prod"])
    rows = {row.field: row for row in origins.explain(r) if row.field.startswith("monitoring.alerts.")}
    assert rows["monitoring.alerts.maxTimeToFirstTokenSeconds"].origin is Origin.RELEASE
    assert rows["monitoring.alerts.maxErrorRate"].origin is Origin.ENVIRONMENT
    assert rows["monitoring.alerts.maxErrorRate"].location.file == "environments/prod.yaml"
    assert rows["monitoring.alerts.maxLatencySeconds"].origin is Origin.DEFAULT


def test_rules_carry_the_labels_the_prometheus_selects_rules_by() -> None:
    assert rule("prod", "llama3-8b-chat")["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert rule("prod", "llama3-8b-chat")["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "-1"


def test_gpu_memory_only_where_the_dcgm_exporter_is_declared_on_its_pod_label() -> None:
    prod = alerts(rule("prod", "llama3-70b-instruct"))
    expr = prod["ModelServerGPUMemoryPressure"]["expr"]
    assert "DCGM_FI_DEV_FB_USED{" in expr and "DCGM_FI_DEV_FB_FREE{" in expr and expr.endswith(" > 0.97")
    assert 'exported_pod=~"llama3-70b-instruct-[a-z0-9]+-[a-z0-9]+"' in expr
    assert "ModelServerGPUMemoryPressure" not in alerts(rule("staging", "llama3-70b-instruct"))  # none declared
    assert "ModelServerGPUMemoryPressure" not in alerts(rule("prod", "resnet50-classifier"))  # no GPU


def test_the_pod_pattern_never_matches_a_release_that_only_starts_with_the_name() -> None:
    expr = alerts(rule("prod", "llama3-8b-chat"))["ModelServerPodsNotReady"]["expr"]
    pattern = re.search(r'pod=~"([^"]+)"', expr)
    assert pattern is not None
    anchored = re.compile(pattern.group(1))
    assert anchored.fullmatch("llama3-8b-chat-5d8f7c9b4-xk2lp")  # a ReplicaSet's pod
    assert not anchored.fullmatch("llama3-8b-chat-v2-5d8f7c9b4-xk2lp")  # release llama3-8b-chat-v2


def test_no_rule_without_the_operator_or_with_alerts_off(tmp_path: Path) -> None:
    repo = copy_example(tmp_path / "repo")
    text = (repo / "environments/dev.yaml").read_text(encoding="utf-8")
    start, end = text.index("      prometheusOperator:\n"), text.index("      externalSecrets:\n")
    (repo / "environments/dev.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    edit(
        repo / "releases/llama3-8b-chat.yaml",
        "  environments:\n",
        "  monitoring:\n    alerts:\n      enabled: false\n  environments:\n",
    )
    # Past the cross-field checks, which refuse dev's ServiceMonitors without the operator.
    built = compose.build(WorkTree(repo), cross_check=False)
    rules = sorted(k for k, o in built.tree.objects.items() if o.obj["kind"] == "PrometheusRule")
    assert not [k for k in rules if k.startswith("rendered/dev/") or "/llama3-8b-chat/" in k]
    assert "rendered/staging/bge-embeddings/prometheusrule-bge-embeddings" in rules


def test_rendered_rules_match_the_prometheusrule_schema() -> None:
    for key, found in bundled().items():
        if found["kind"] == "PrometheusRule":
            assert lookup.rendered("1.30").validate(found) == [], key
    broken = {**rule("prod", "llama3-8b-chat"), "spec": {"groups": [{"name": "x", "rules": [{"expr": "up"}]}]}}
    assert lookup.rendered("1.30").validate(broken)  # neither alert nor record
