"""Monitoring after the rollout: the release's PrometheusRule.

The canary analysis watches the new version for minutes; these alerts keep watching every
version afterwards, on the same runtime queries (generator.render.runtimes), over all the
release's pods instead of one pod-template hash, each bounded by a threshold of
`monitoring.alerts` (release spec over environment defaults over generator/defaults.yaml,
so `modelops explain --field monitoring.alerts` says where each bound was set).  Beside
them: pods that stay not ready (kube-state-metrics), and GPU memory pressure where the
environment declares the DCGM exporter.

Rendered only where the environment declares prometheusOperator: a PrometheusRule nothing
loads would be a promise of alerts that never fire.
"""

from __future__ import annotations

from typing import Any

from generator.inputs.resolve import Resolved
from generator.render import analysis
from generator.render.runtimes import registry

# Which alert each runtime query becomes, by the spec field bounding it.
ALERTS = {
    "maxErrorRate": ("ModelServerErrorRateHigh", "server errors per request"),
    "maxLatencySeconds": ("ModelServerLatencyHigh", "request latency"),
    "maxTimeToFirstTokenSeconds": ("ModelServerTimeToFirstTokenHigh", "p95 time to first token"),
    "maxTimePerOutputTokenSeconds": ("ModelServerTimePerOutputTokenHigh", "p95 time per output token"),
}
NOT_READY = "ModelServerPodsNotReady"
GPU_MEMORY = "ModelServerGPUMemoryPressure"
# kube-state-metrics (docs/metrics/workload/pod-metrics.md): condition is true, false or unknown.
POD_READY = "kube_pod_status_ready"
POD_PHASE = "kube_pod_status_phase"
# DCGM exporter default counters (etc/default-counters.csv), MiB per GPU.
FB_USED = "DCGM_FI_DEV_FB_USED"
FB_FREE = "DCGM_FI_DEV_FB_FREE"
# rate() windows of alerts: long enough that one slow request does not page.
WINDOW = "5m"


def capabilities(r: Resolved) -> dict[str, Any]:
    caps: dict[str, Any] = r.env.get("cluster", "capabilities", default={})
    return caps


def enabled(r: Resolved) -> bool:
    """Whether the release renders a PrometheusRule: pods with a scraped metrics port, where the operator runs."""
    server = registry.get(r.get("runtime", "kind"))
    return (
        server.workload == "pods"
        and "prometheusOperator" in capabilities(r)
        and bool(r.get("monitoring", "enabled"))
        and bool(r.get("monitoring", "alerts", "enabled"))
        and server.server(r).metrics is not None
    )


def rule_labels(r: Resolved) -> dict[str, str]:
    """The labels the environment's Prometheus selects PrometheusRules by (its ruleSelector).

    kube-prometheus-stack selects rules and ServiceMonitors by the same `release` label, so
    without a declared ruleSelector the ServiceMonitor's labels are used.
    """
    operator = capabilities(r).get("prometheusOperator", {})
    declared = operator.get("ruleSelector", {}).get("matchLabels")
    if declared is not None:
        return dict(declared)
    found = operator.get("serviceMonitorSelector", {}).get("matchLabels") or r.env.get(
        "monitoring", "serviceMonitorLabels", default={}
    )
    return dict(found)


def pod_pattern(r: Resolved) -> str:
    """Pod names of the release: NAME-<pod-template-hash>-<suffix>, for Deployment and Rollout alike.

    Neither part has a '-', so the pattern (anchored, as PromQL's are) never matches the pods
    of a release whose name only starts with this one's.
    """
    return f"{r.name}-[a-z0-9]+-[a-z0-9]+"


def service_selector(r: Resolved, names: dict[str, str]) -> str:
    # The Prometheus Operator labels every target with its Service (`service`); the metrics
    # Service selects every pod of the release, old and new.
    return f'namespace="{r.env.namespace}",service="{names["metricsService"]}"'


def runbook(r: Resolved, alert: str) -> str:
    pattern = str(r.get("monitoring", "alerts", "runbookURL"))
    values = {
        "alert": alert,
        "anchor": alert.lower(),
        "release": r.name,
        "environment": r.env.name,
        "namespace": r.env.namespace,
    }
    for key, value in values.items():
        pattern = pattern.replace("{" + key + "}", value)
    return pattern


def _rule(r: Resolved, alert: str, expr: str, duration: str, summary: str, description: str) -> dict[str, Any]:
    spec = r.get("monitoring", "alerts")
    return {
        "alert": alert,
        "expr": expr,
        "for": duration,
        "labels": {
            "modelops_environment": r.env.name,
            "modelops_release": r.name,
            "namespace": r.env.namespace,
            "severity": spec["severity"],
            "team": r.release.metadata["team"],
        },
        "annotations": {
            "description": description,
            "runbook_url": runbook(r, alert),
            "summary": summary,
        },
    }


def _gpu_rule(r: Resolved) -> dict[str, Any] | None:
    dcgm = capabilities(r).get("dcgmExporter")
    if dcgm is None or not r.get("resources", "gpu", "count"):
        return None
    matchers = (
        f'{dcgm.get("namespaceLabel", "exported_namespace")}="{r.env.namespace}",'
        f'{dcgm.get("podLabel", "exported_pod")}=~"{pod_pattern(r)}"'
    )
    used, free = f"{FB_USED}{{{matchers}}}", f"{FB_FREE}{{{matchers}}}"
    limit = r.get("monitoring", "alerts", "maxGpuMemoryUsed")
    return _rule(
        r,
        GPU_MEMORY,
        f"max({used} / ({used} + {free})) > {analysis.number(limit)}",
        r.get("monitoring", "alerts", "for"),
        f"{r.name}: a GPU's memory is more than {analysis.number(limit * 100)}% used",
        "The fullest GPU of the release's pods has {{ $value | humanizePercentage }} of its memory in use; "
        "the next long request may fail with CUDA out of memory.",
    )


def rules(r: Resolved, names: dict[str, str]) -> list[dict[str, Any]]:
    """The alerting rules, in a fixed order: the runtime's queries, pods not ready, GPU memory."""
    spec = r.get("monitoring", "alerts")
    runtime = registry.get(r.get("runtime", "kind"))
    out = []
    for query in runtime.analysis(service_selector(r, names), WINDOW):
        alert, what = ALERTS[query.limit]
        limit = analysis.number(spec[query.limit])
        # Parenthesised: a query may end in `or`, which binds looser than `>`.
        out.append(
            _rule(
                r,
                alert,
                f"({query.query}) > {limit}",
                spec["for"],
                f"{r.name}: {what} above {limit} ({query.name})",
                f"{what} of {r.name} in {r.env.name} has been {{{{ $value }}}} for {spec['for']} "
                f"(bound: {limit}, monitoring.alerts.{query.limit}).",
            )
        )
    pods = f'namespace="{r.env.namespace}",pod=~"{pod_pattern(r)}"'
    not_ready = (
        f'count(({POD_READY}{{{pods},condition="true"}} == 0) '
        f'unless on (namespace, pod) ({POD_PHASE}{{{pods},phase=~"Succeeded|Failed"}} == 1)) > 0'
    )
    out.append(
        _rule(
            r,
            NOT_READY,
            not_ready,
            spec["notReadyFor"],
            f"{r.name}: pods not ready for {spec['notReadyFor']}",
            f"{{{{ $value }}}} pods of {r.name} in {r.env.name} have not been ready for {spec['notReadyFor']}: "
            "a model that does not load, a crash loop, or a GPU node that is gone.",
        )
    )
    gpu = _gpu_rule(r)
    if gpu is not None:
        out.append(gpu)
    return out


def context(r: Resolved, names: dict[str, str]) -> dict[str, Any] | None:
    """What prometheusrule.yaml.j2 sees as `alerts`: None when the release renders no PrometheusRule."""
    if not enabled(r):
        return None
    return {
        "labels": rule_labels(r),
        "spec": {"groups": [{"name": f"modelops.{r.name}", "rules": rules(r, names)}]},
    }
