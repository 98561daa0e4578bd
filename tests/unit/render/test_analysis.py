"""Canary verification: AnalysisTemplates on each runtime's own metrics, thresholds from the spec layers,
the Rollout's references to them, and the scraping that lets Prometheus see the new version's pods."""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.render import analysis
from generator.render.runtimes import registry
from generator.schemas import lookup
from tests.conftest import copy_example, edit
from tests.render_helpers import example as bundled
from tests.render_helpers import findings, obj, render

HASH = 'rollouts_pod_template_hash="{{args.pod-hash}}"'
CONDITION = "len(result) == 0 || isNaN(result[0]) || result[0] <= "
POD_RUNTIMES = sorted(kind for kind, module in registry.RUNTIMES.items() if module.workload == "pods")

# What each analysis metric must read, written down here independently of the runtime modules:
# metric name -> (the threshold field bounding it, the runtime's own metric names in the query).
EXPECTED: dict[str, dict[str, tuple[str, set[str]]]] = {
    "vllm": {
        "error-rate": ("maxErrorRate", {"http_requests_total"}),
        "latency-p95": ("maxLatencySeconds", {"vllm:e2e_request_latency_seconds"}),
        "time-to-first-token-p95": ("maxTimeToFirstTokenSeconds", {"vllm:time_to_first_token_seconds"}),
        "time-per-output-token-p95": (
            "maxTimePerOutputTokenSeconds",
            {"vllm:time_per_output_token_seconds", "vllm:inter_token_latency_seconds"},
        ),
    },
    "triton": {
        "error-rate": ("maxErrorRate", {"nv_inference_request_success", "nv_inference_request_failure"}),
        "latency-p95": ("maxLatencySeconds", {"nv_inference_request_summary_us"}),
    },
    "torchserve": {
        "error-rate": ("maxErrorRate", {"Requests2XX", "Requests4XX", "Requests5XX"}),
        "latency-mean": ("maxLatencySeconds", {"ts_inference_latency_microseconds", "ts_inference_requests_total"}),
    },
    "tfserving": {
        "error-rate": ("maxErrorRate", {":tensorflow:serving:request_count"}),
        "latency-p95": ("maxLatencySeconds", {":tensorflow:serving:request_latency"}),
    },
}
# Everything a query may contain besides metric names: PromQL functions, keywords and the `le` label.
PROMQL_WORDS = {"sum", "rate", "by", "le", "or", "vector", "histogram_quantile", "max"}
RELEASE_OF = {
    "vllm": "llama3-8b-chat",
    "triton": "bge-embeddings",
    "torchserve": "resnet50-classifier",
    "tfserving": "toxicity-classifier",
}


def parse(query: str) -> tuple[list[str], list[str]]:
    """(metric names with their label matchers checked, other identifiers): a minimal PromQL reading."""
    assert query.count("(") == query.count(")"), query
    text = query.replace("{{args.pod-hash}}", "HASH")
    selectors = re.findall(r"([A-Za-z_:][A-Za-z0-9_:]*)\{([^{}]*)\}", text)
    for _, matchers in selectors:
        assert matchers.startswith('namespace="') and 'rollouts_pod_template_hash="HASH"' in matchers, query
    rest = re.sub(r"[A-Za-z_:][A-Za-z0-9_:]*\{[^{}]*\}|\[[0-9]+[smh]\]", " ", text)
    words = re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", rest)
    return [name for name, _ in selectors], words


def documented(names: list[str], kind: str) -> set[str]:
    """The runtime's documented metric each series belongs to (a histogram's _bucket series to the histogram)."""
    known = registry.get(kind).METRICS
    return {n[: -len("_bucket")] if n.endswith("_bucket") and n[: -len("_bucket")] in known else n for n in names}


@pytest.mark.parametrize("kind", POD_RUNTIMES)
def test_queries_read_only_the_runtimes_documented_metrics(kind: str) -> None:
    queries = registry.get(kind).analysis(f'namespace="ns",{HASH}', "5m")
    assert {q.name: q.limit for q in queries} == {name: limit for name, (limit, _) in EXPECTED[kind].items()}
    for q in queries:
        names, words = parse(q.query)
        used = documented(names, kind)
        assert used <= registry.get(kind).METRICS, (q.name, used)
        assert used == EXPECTED[kind][q.name][1], q.name
        assert set(words) <= PROMQL_WORDS, (q.name, words)
        if q.name.endswith("-p95") and kind != "triton":  # a histogram: p95 over the window's bucket rates
            assert q.query.startswith("histogram_quantile(0.95, sum by (le) (rate(") and "_bucket{" in q.query
    assert registry.get("kserve").analysis("x", "5m") == []


def test_triton_p95_comes_from_the_summary_the_server_is_told_to_keep() -> None:
    (_, latency) = registry.get("triton").analysis(f'namespace="ns",{HASH}', "5m")
    assert 'quantile="0.95"' in latency.query and latency.query.endswith(" / 1000000")  # microseconds
    server = obj(bundled(), "prod", "bge-embeddings", "Rollout")["spec"]["template"]["spec"]["containers"][0]
    assert "--metrics-config=summary_latencies=true" in server["args"]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with analysis switched on through prod's environment defaults, for every strategy."""
    repo = copy_example(tmp_path_factory.mktemp("analysed") / "gitops")
    edit(
        repo / "environments/prod.yaml",
        "        analysis:\n          maxErrorRate: 0.005",
        "        analysis:\n          enabled: true\n          maxErrorRate: 0.005",
    )
    edit(
        repo / "environments/prod.yaml",
        "    rollout:\n      canary:\n",
        "    rollout:\n      blueGreen:\n        analysis:\n          enabled: true\n      canary:\n",
    )
    return repo


@pytest.fixture(scope="module")
def analysed_objects(analysed: Path) -> dict[str, dict[str, Any]]:
    return render(analysed)


def template(objects: dict[str, dict[str, Any]], release: str, env: str = "prod") -> dict[str, Any]:
    return obj(objects, env, release, "AnalysisTemplate", f"{release}-analysis")


def conditions(objects: dict[str, dict[str, Any]], release: str) -> dict[str, str]:
    return {m["name"]: m["successCondition"] for m in template(objects, release)["spec"]["metrics"]}


@pytest.mark.parametrize("kind", POD_RUNTIMES)
def test_every_pod_runtime_gets_its_metrics_and_only_vllm_the_token_metrics(
    analysed_objects: dict[str, dict[str, Any]], kind: str
) -> None:
    spec = template(analysed_objects, RELEASE_OF[kind])["spec"]
    assert spec["args"] == [{"name": "pod-hash"}]
    assert [m["name"] for m in spec["metrics"]] == list(EXPECTED[kind])
    token_metrics = {"time-to-first-token-p95", "time-per-output-token-p95"}
    assert (token_metrics <= set(EXPECTED[kind])) == (kind == "vllm")
    for metric in spec["metrics"]:
        prometheus = metric["provider"]["prometheus"]
        assert prometheus["address"] == "http://prometheus-operated.monitoring.svc:9090"
        names, _ = parse(prometheus["query"])
        assert documented(names, kind) == EXPECTED[kind][metric["name"]][1]
        assert '{namespace="models-prod",' + HASH in prometheus["query"]
        assert metric["successCondition"].startswith(CONDITION)  # no traffic yet (NaN, no series) passes


def test_kserve_gets_no_analysis_template(analysed_objects: dict[str, dict[str, Any]]) -> None:
    # distilbert-sentiment is a kserve canary in prod, where the defaults enable the analysis.
    assert not any("/distilbert-sentiment/analysistemplate-" in p for p in analysed_objects)
    isvc = obj(analysed_objects, "prod", "distilbert-sentiment", "InferenceService")
    assert isvc["spec"]["predictor"]["minReplicas"] == 2  # KServe splits the traffic: no Rollout, no template


def test_rendered_templates_and_rollouts_validate(analysed: Path) -> None:
    built = compose.build(WorkTree(analysed))
    report = compose.validate(built)
    assert not report.failed(), [d.format() for d in report.diagnostics()]
    kinds = {o.obj["kind"] for o in built.tree.objects.values()}
    assert {"AnalysisTemplate", "Rollout"} <= kinds


def test_thresholds_flow_from_template_environment_and_release_defaults(
    analysed_objects: dict[str, dict[str, Any]], example: Path
) -> None:
    # bge-embeddings says nothing: prod's maxErrorRate (0.005) over the template default's latency (5).
    assert conditions(analysed_objects, "bge-embeddings") == {
        "error-rate": CONDITION + "0.005",
        "latency-p95": CONDITION + "5",
    }
    # The bundled example: llama3-8b-chat's own thresholds over prod's, prod's over the template's.
    assert conditions(bundled(), "llama3-8b-chat") == {
        "error-rate": CONDITION + "0.005",  # environments/prod.yaml
        "latency-p95": CONDITION + "4",  # the release
        "time-to-first-token-p95": CONDITION + "1.5",  # the release
        "time-per-output-token-p95": CONDITION + "0.2",  # generator/defaults.yaml
    }
    # Change a threshold in the environment defaults and in the release, render again.
    edit(
        example / "environments/prod.yaml", "maxErrorRate: 0.005", "maxErrorRate: 0.02\n          maxLatencySeconds: 9"
    )
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "maxTimeToFirstTokenSeconds: 1.5",
        "maxTimeToFirstTokenSeconds: 0.75\n            maxTimePerOutputTokenSeconds: 0.05\n            count: 30",
    )
    objects = render(example)
    assert conditions(objects, "llama3-8b-chat") == {
        "error-rate": CONDITION + "0.02",  # the new environment default
        "latency-p95": CONDITION + "4",  # the release beats the environment's new 9
        "time-to-first-token-p95": CONDITION + "0.75",
        "time-per-output-token-p95": CONDITION + "0.05",
    }
    metrics = template(objects, "llama3-8b-chat")["spec"]["metrics"]
    assert {(m["interval"], m["count"], m["failureLimit"]) for m in metrics} == {("1m", 30, 1)}


def test_canary_runs_the_analysis_in_the_background_without_a_count() -> None:
    canary = obj(bundled(), "prod", "llama3-8b-chat", "Rollout")["spec"]["strategy"]["canary"]
    assert canary["analysis"] == {
        "templates": [{"templateName": "llama3-8b-chat-analysis"}],
        "startingStep": 1,
        "args": [{"name": "pod-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}],
    }
    assert all("count" not in m for m in template(bundled(), "llama3-8b-chat")["spec"]["metrics"])


def test_blue_green_gets_a_pre_promotion_analysis_that_ends() -> None:
    blue_green = obj(bundled(), "prod", "resnet50-classifier", "Rollout")["spec"]["strategy"]["blueGreen"]
    assert blue_green["prePromotionAnalysis"] == {
        # The smoke test first: it sends the preview the request the analysis then measures.
        "templates": [
            {"templateName": "resnet50-classifier-smoke-test"},
            {"templateName": "resnet50-classifier-analysis"},
        ],
        "args": [{"name": "pod-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}],
    }
    metrics = template(bundled(), "resnet50-classifier")["spec"]["metrics"]
    assert {m["name"]: m["successCondition"] for m in metrics} == {
        "error-rate": CONDITION + "0.01",
        "latency-mean": CONDITION + "0.5",  # the release's maxLatencySeconds
    }
    assert {m["count"] for m in metrics} == {5}  # a pre-promotion analysis must finish
    # Without analysis a blue-green rollout's gate is its smoke test alone, and it has no metrics template.
    other = obj(bundled(), "prod", "llama3-70b-instruct", "Rollout")["spec"]["strategy"]["blueGreen"]
    assert other["prePromotionAnalysis"] == {"templates": [{"templateName": "llama3-70b-instruct-smoke-test"}]}
    assert "rendered/prod/llama3-70b-instruct/analysistemplate-llama3-70b-instruct-analysis" not in bundled()


def test_prometheus_scrapes_every_pod_with_its_pod_template_hash() -> None:
    rollout = obj(bundled(), "prod", "llama3-8b-chat", "Rollout")
    monitor = obj(bundled(), "prod", "llama3-8b-chat", "ServiceMonitor")
    service = obj(bundled(), "prod", "llama3-8b-chat", "Service", "llama3-8b-chat-metrics")
    # Argo Rollouts narrows the stable and canary Services to one ReplicaSet each; this one it never touches.
    assert monitor["spec"]["selector"]["matchLabels"]["modelops.io/service-role"] == "metrics"
    assert service["metadata"]["labels"]["modelops.io/service-role"] == "metrics"
    assert service["spec"]["selector"] == rollout["spec"]["selector"]["matchLabels"]
    assert service["spec"]["clusterIP"] == "None"
    assert [p["name"] for p in service["spec"]["ports"]] == ["http"]  # vLLM serves /metrics on its API port
    assert monitor["spec"]["podTargetLabels"] == ["rollouts-pod-template-hash"]
    assert analysis.POD_HASH_LABEL == "rollouts_pod_template_hash"  # how the Prometheus Operator names it


def test_the_crd_schemas_stay_strict() -> None:
    at = copy.deepcopy(template(bundled(), "llama3-8b-chat"))
    assert lookup.rendered("1.30").validate(at) == []
    at["spec"]["metrics"][0]["successCondtion"] = at["spec"]["metrics"][0].pop("successCondition")
    assert lookup.rendered("1.30").validate(at)
    rollout = copy.deepcopy(obj(bundled(), "prod", "resnet50-classifier", "Rollout"))
    assert lookup.rendered("1.30").validate(rollout) == []
    rollout["spec"]["strategy"]["blueGreen"]["prePromotionAnalysis"]["args"][0]["valueFrom"] = {
        "podTemplateHashValue": "Newest"
    }
    assert lookup.rendered("1.30").validate(rollout)


def test_count_below_failure_limit_and_missing_monitoring_are_refused(example: Path) -> None:
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "            enabled: true\n",
        "            enabled: true\n            failureLimit: 3\n            count: 2\n",
    )
    assert findings(example) == [
        "releases/llama3-8b-chat.yaml:72:13: spec.rollout.canary.analysis.count: count 2 is below failureLimit 3 "
        "(in prod)"
    ]
    edit(example / "releases/llama3-8b-chat.yaml", "            count: 2\n", "")
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "  rollout:\n    strategy: rolling\n",
        "  monitoring:\n    enabled: false\n  rollout:\n    strategy: rolling\n",
    )
    assert any(
        "spec.rollout.canary.analysis.enabled: canary analysis reads the metrics the ServiceMonitor collects" in f
        for f in findings(example)
    )


@given(st.floats(min_value=1e-9, max_value=3600, allow_nan=False, allow_infinity=False))
def test_thresholds_are_written_as_plain_decimals(value: float) -> None:
    text = analysis.number(value)
    assert "e" not in text.lower() and float(text) == value


THRESHOLDS = st.fixed_dictionaries(
    {
        "maxErrorRate": st.floats(min_value=0, max_value=0.999, allow_nan=False),
        "maxLatencySeconds": st.floats(min_value=0.001, max_value=3600, allow_nan=False),
        "maxTimeToFirstTokenSeconds": st.floats(min_value=0.001, max_value=3600, allow_nan=False),
        "maxTimePerOutputTokenSeconds": st.floats(min_value=0.001, max_value=60, allow_nan=False),
    }
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(THRESHOLDS)
def test_any_valid_thresholds_reach_the_template_and_validate(thresholds: dict[str, float]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = copy_example(Path(tmp) / "gitops")
        spec = repo / "releases/llama3-8b-chat.yaml"
        text = spec.read_text(encoding="utf-8")
        block = "".join(f"            {name}: {value!r}\n" for name, value in thresholds.items())
        # The analysis block ends the file: replace it whole.
        spec.write_text(text[: text.index("            enabled: true\n")] + "            enabled: true\n" + block)
        built = compose.build(WorkTree(repo))
        assert not compose.validate(built).failed()
        metrics = template({p: o.obj for p, o in built.tree.objects.items()}, "llama3-8b-chat")["spec"]["metrics"]
        limits = {name: limit for name, (limit, _) in EXPECTED["vllm"].items()}
        for metric in metrics:
            bound = metric["successCondition"].removeprefix(CONDITION)
            assert float(bound) == thresholds[limits[metric["name"]]]


def test_background_analysis_starts_after_the_first_weight_shift_and_always_starts() -> None:
    pause = {"pause": {"duration": "10m"}}
    assert analysis.starting_step([{"setWeight": 10}, pause, {"setWeight": 50}, pause]) == 1
    assert analysis.starting_step([pause, {"setWeight": 20}, pause]) == 2
    # The only shift is the last step: an index past it would never be reached.
    assert analysis.starting_step([pause, {"setWeight": 50}]) == 1
    assert analysis.starting_step([{"setWeight": 100}]) == 0
