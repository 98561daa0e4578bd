"""The release's autoscaler: a HorizontalPodAutoscaler, or a KEDA ScaledObject where the environment runs KEDA.

Which one follows the environment's `spec.cluster.capabilities.autoscaling.metrics`:

- `keda`, for `scaling.metric.type: queue`: a ScaledObject whose Prometheus triggers query the
  runtime's own queue gauge (and optionally its latency) over the release's pods. KEDA then owns
  the HPA (`keda-hpa-<name>`), which reads its triggers through the external metrics API.
- `prometheus-adapter` (and `none`, which validate refuses for anything but CPU and memory): an
  HPA whose Pods metric is the name the adapter's rule exposes the queue as (README, "Cluster
  prerequisites").

CPU and memory are Resource metrics that metrics-server serves: those always get a plain HPA.
"""

from __future__ import annotations

from typing import Any

from generator.inputs.resolve import Resolved
from generator.render import analysis
from generator.render.runtimes import registry
from generator.validate import quantity

HPA = "HorizontalPodAutoscaler"
SCALED_OBJECT = "ScaledObject"
# rate() over a shorter window than the analysis': scaling must react within minutes.
LATENCY_WINDOW = "2m"
# An LLM server takes minutes to load its weights: stay up a while before scaling to zero.
DEFAULT_COOLDOWN_SECONDS = 1800


def pipeline(r: Resolved) -> str:
    """The environment's metrics pipeline for autoscaling (none, prometheus-adapter, keda)."""
    return str(r.env.get("cluster", "capabilities", "autoscaling", "metrics", default="none"))


def kind(r: Resolved) -> str | None:
    """The autoscaler kind the release renders, None where the workload scales itself (KServe)."""
    if registry.get(r.get("runtime", "kind")).workload != "pods":
        return None
    if pipeline(r) == "keda" and r.get("scaling", "metric", "type") == "queue":
        return SCALED_OBJECT
    return HPA


def scale_target(r: Resolved, name: str) -> dict[str, str]:
    if r.get("rollout", "strategy") == "rolling":
        return {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": name}


def hpa_metrics(r: Resolved) -> list[dict[str, Any]]:
    metric = r.get("scaling", "metric")
    if metric["type"] in ("pods", "queue"):
        if metric["type"] == "pods":
            name = metric.get("name")
        else:
            signals = registry.get(r.get("runtime", "kind")).SCALING
            name = signals.adapter_name if signals else None
        if name is None or "averageValue" not in metric:
            return []  # validate names the missing field or signal; the HPA falls back to CPU
        return [
            {
                "type": "Pods",
                "pods": {
                    "metric": {"name": name},
                    "target": {"type": "AverageValue", "averageValue": metric["averageValue"]},
                },
            }
        ]
    return [
        {
            "type": "Resource",
            "resource": {
                "name": metric["type"],
                "target": {"type": "Utilization", "averageUtilization": metric.get("target", 80)},
            },
        }
    ]


def series_selector(r: Resolved, metrics_service: str) -> str:
    """The release's pods in Prometheus: the Prometheus Operator labels each scraped series with the
    namespace and the Service its ServiceMonitor selected (the release's metrics Service)."""
    return f'namespace="{r.env.namespace}",service="{metrics_service}"'


def _threshold(value: Any) -> str:
    """A trigger threshold as KEDA parses it (a float in a string), from a quantity such as "5" or "500m"."""
    try:
        return analysis.number(float(quantity.parse(str(value))))
    except ValueError:
        return str(value)  # validate refused it already (schema pattern)


def _trigger(address: str, name: str, query: str, threshold: str, **extra: str) -> dict[str, Any]:
    metadata = {"serverAddress": address, "query": query, "threshold": threshold}
    trigger: dict[str, Any] = {"type": "prometheus", "name": name, "metadata": metadata}
    if "metricType" in extra:
        trigger["metricType"] = extra.pop("metricType")
    metadata.update(extra)
    return trigger


def scale_to_zero(r: Resolved) -> dict[str, Any] | None:
    spec: dict[str, Any] = r.get("scaling", "scaleToZero", default={})
    return spec if spec.get("enabled") else None


def keda(r: Resolved, metrics_service: str) -> dict[str, Any]:
    """The ScaledObject's idle settings and triggers (empty where the release renders an HPA)."""
    signals = registry.get(r.get("runtime", "kind")).SCALING
    if kind(r) != SCALED_OBJECT or signals is None:
        return {"triggers": [], "idle": None}
    metric = r.get("scaling", "metric")
    address = str(r.env.get("monitoring", "prometheusURL", default=""))
    selector = series_selector(r, metrics_service)
    # Summed over the release's pods (and vLLM's engines): the HPA's AverageValue target divides
    # the sum by the current replicas, so the threshold is waiting requests per pod.
    triggers = [
        _trigger(address, "queue", f"sum({signals.queue}{{{selector}}})", _threshold(metric.get("averageValue", 1)))
    ]
    if "latencySeconds" in metric:
        # Latency does not add up over pods: a Value target scales replicas by latency/threshold.
        triggers.append(
            _trigger(
                address,
                "latency",
                signals.latency(selector, LATENCY_WINDOW),
                analysis.number(metric["latencySeconds"]),
                metricType="Value",
            )
        )
    idle = scale_to_zero(r)
    if idle and idle.get("wakeQuery"):
        # With no pods there is no queue to read: requests counted in front of the release wake it.
        # Clamped to 1, this trigger only ever asks for one pod; the queue scales from there.
        triggers.append(
            _trigger(address, "wake", f"clamp_max(sum({idle['wakeQuery']}), 1)", "1", activationThreshold="0")
        )
    return {
        "triggers": triggers,
        "idle": {"cooldownPeriod": idle.get("cooldownSeconds", DEFAULT_COOLDOWN_SECONDS)} if idle else None,
    }
