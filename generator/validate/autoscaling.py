"""Whether the release's autoscaler can work in its cluster: the metric, its pipeline, scale-to-zero.

An HPA on a Pods metric reads custom.metrics.k8s.io, which only an adapter serves; a ScaledObject
reads Prometheus itself; CPU and memory come from metrics-server. Whatever nothing serves is
applied and then never scales, silently: so each mismatch is a finding naming the release field
and the capability (`spec.cluster.capabilities.autoscaling.metrics`) it needs.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.errors import Diagnostic
from generator.inputs.resolve import Resolved
from generator.render import autoscaling
from generator.render.runtimes import registry

_FIELD = "spec.cluster.capabilities.autoscaling.metrics"


def check(r: Resolved) -> Iterable[Diagnostic]:
    runtime = registry.get(r.get("runtime", "kind"))
    if runtime.workload != "pods":
        yield from _kserve(r)
        return
    metric = r.get("scaling", "metric")
    kind = metric["type"]
    pipeline = autoscaling.pipeline(r)
    where = f"environment {r.env.name} ({r.env.file}) declares {_FIELD}: {pipeline}"
    if kind == "queue" and runtime.SCALING is None:
        yield r.diagnostic(
            ("scaling", "metric", "type"),
            f"the {runtime.kind} runtime exports no gauge of waiting requests to scale on "
            "(vllm and triton do): use type cpu or memory, or pods with a metric your adapter serves",
        )
    if kind in ("pods", "queue") and pipeline == "none":
        name = metric.get("name") if kind == "pods" else (runtime.SCALING.queue if runtime.SCALING else "queue")
        yield r.diagnostic(
            ("scaling", "metric", "name" if kind == "pods" else "type"),
            f"the autoscaler reads the metric {name}, which only a metrics pipeline serves, and {where} "
            "(declare prometheus-adapter with its rule for this metric, or keda; or scale on cpu or memory)",
        )
    if kind == "pods" and pipeline == "keda" and "name" in metric:
        yield r.diagnostic(
            ("scaling", "metric", "name"),
            f"the HorizontalPodAutoscaler reads the Pods metric {metric.get('name')} from custom.metrics.k8s.io, "
            f"which KEDA does not serve, and {where}: use type: queue (a ScaledObject on the runtime's queue)",
        )
    if "latencySeconds" in metric and pipeline != "keda":
        yield r.diagnostic(
            ("scaling", "metric", "latencySeconds"),
            f"a latency trigger is a KEDA ScaledObject trigger, and {where} (declare keda, or drop latencySeconds)",
        )
    if kind == "queue" and pipeline != "none":
        yield from _scraped(r)
    yield from _scale_to_zero(r, kind, pipeline, where)


def _scraped(r: Resolved) -> Iterable[Diagnostic]:
    """The queue is read from Prometheus: it must scrape the release, and KEDA must know where it is."""
    if not r.get("monitoring", "enabled"):
        yield r.diagnostic(
            ("monitoring", "enabled"),
            "scaling.metric type queue reads the runtime's queue from Prometheus, which scrapes the release "
            "only through the ServiceMonitor monitoring.enabled renders: the autoscaler would never scale",
        )
    if autoscaling.kind(r) == autoscaling.SCALED_OBJECT and not r.env.get("monitoring", "prometheusURL"):
        yield r.diagnostic(
            ("scaling", "metric", "type"),
            f"the ScaledObject's Prometheus triggers need the environment's spec.monitoring.prometheusURL, "
            f"which environment {r.env.name} ({r.env.file}) does not set",
        )


def _scale_to_zero(r: Resolved, kind: str, pipeline: str, where: str) -> Iterable[Diagnostic]:
    idle = autoscaling.scale_to_zero(r)
    if idle is None:
        return
    path = ("scaling", "scaleToZero", "enabled")
    if pipeline != "keda":
        yield r.diagnostic(path, f"scaling to zero needs a KEDA ScaledObject, and {where}")
    elif kind != "queue":
        # KEDA itself refuses a scale to zero on CPU or memory alone: no pod, no utilization.
        yield r.diagnostic(path, f"scaling to zero needs scaling.metric type queue (it is {kind})")
    level = r.env.get("policy", "level", default="standard")
    if level == "strict":
        yield r.diagnostic(
            path,
            f"environment {r.env.name} has policy level strict: its releases keep minReplicas pods, since "
            "waking from zero loads the model's weights for minutes while requests wait",
        )
    if not idle.get("wakeQuery"):
        yield r.diagnostic(
            ("scaling", "scaleToZero", "wakeQuery"),
            "a release with no pods exports no queue, so nothing would wake it: give wakeQuery, a PromQL query "
            "over requests counted in front of it (its gateway or ingress)",
        )


def _kserve(r: Resolved) -> Iterable[Diagnostic]:
    if autoscaling.scale_to_zero(r) is not None:
        yield r.diagnostic(
            ("scaling", "scaleToZero", "enabled"),
            "an InferenceService scales itself: set scaling.minReplicas 0 (KServe's Serverless mode) instead",
        )
    if r.get("scaling", "metric", "type") == "queue":
        yield r.diagnostic(
            ("scaling", "metric", "type"),
            "an InferenceService scales on cpu or memory (scaleMetric): type queue renders no autoscaler for it",
        )
