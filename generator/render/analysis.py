"""Canary verification: the release's Argo Rollouts AnalysisTemplate and the Rollout's reference to it.

A canary runs the analysis in the background from its first weighted step on; a
blue-green rollout runs it before promotion (`prePromotionAnalysis`).  Each metric is one
of the runtime's own PromQL queries over the new version's pods, bounded by a threshold of
`rollout.canary.analysis` or `rollout.blueGreen.analysis` (release spec over environment
defaults over generator/defaults.yaml).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from generator.inputs.resolve import Resolved
from generator.render.runtimes import registry

# The AnalysisTemplate argument holding the new ReplicaSet's rollouts-pod-template-hash.
POD_HASH_ARG = "pod-hash"
# Prometheus label the ServiceMonitor copies from the pod label rollouts-pod-template-hash
# (podTargetLabels; the Prometheus Operator turns '-' into '_').
POD_HASH_LABEL = "rollouts_pod_template_hash"
# rate() needs a few scrapes (30s apart by default) to be stable.
WINDOW = "5m"
# Strategy -> the spec block holding its analysis settings.
BLOCKS = {"canary": "canary", "blue-green": "blueGreen"}


def settings(r: Resolved) -> tuple[str, dict[str, Any]] | None:
    """(spec block name, its analysis settings) when the release runs an analysis, else None."""
    block = BLOCKS.get(r.get("rollout", "strategy"))
    if block is None or registry.get(r.get("runtime", "kind")).workload != "pods":
        return None
    spec = r.get("rollout", block, "analysis", default={})
    return (block, spec) if spec.get("enabled") else None


def number(value: float) -> str:
    """A threshold as the expression language reads it: 4, 0.05 (never 5e-02)."""
    if float(value).is_integer():
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")


def condition(limit: float) -> str:
    # No requests yet: the query gives NaN (0/0) or nothing at all; neither is a failure.
    return f"len(result) == 0 || isNaN(result[0]) || result[0] <= {number(limit)}"


def selector(r: Resolved) -> str:
    return f'namespace="{r.env.namespace}",{POD_HASH_LABEL}="{{{{args.{POD_HASH_ARG}}}}}"'


def template_spec(r: Resolved, spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` of the AnalysisTemplate: one metric per runtime query, in the runtime's order."""
    runtime = registry.get(r.get("runtime", "kind"))
    address = r.env.get("monitoring", "prometheusURL")
    metrics = []
    for query in runtime.analysis(selector(r), WINDOW):
        metric: dict[str, Any] = {"name": query.name, "interval": spec["interval"]}
        if "count" in spec:
            metric["count"] = spec["count"]
        metric["failureLimit"] = spec["failureLimit"]
        metric["successCondition"] = condition(spec[query.limit])
        metric["provider"] = {"prometheus": {"address": address, "query": query.query}}
        metrics.append(metric)
    return {"args": [{"name": POD_HASH_ARG}], "metrics": metrics}


def starting_step(steps: list[dict[str, Any]]) -> int:
    """The step after the first weight shift: before it the canary serves nothing to measure.

    When that shift is the last step, the analysis starts with it (a later index would never come).
    """
    first = next(i for i, step in enumerate(steps) if "setWeight" in step)
    return first + 1 if first + 1 < len(steps) else first


def rollout_ref(block: str, template: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The Rollout's `canary.analysis` or `blueGreen.prePromotionAnalysis`."""
    ref: dict[str, Any] = {"templates": [{"templateName": template}]}
    if block == "canary":
        ref["startingStep"] = starting_step(steps)
    # "Latest" is the new ReplicaSet: the canary, or the blue-green preview.
    ref["args"] = [{"name": POD_HASH_ARG, "valueFrom": {"podTemplateHashValue": "Latest"}}]
    return ref


def context(r: Resolved, template: str) -> dict[str, Any] | None:
    """What the templates see as `analysis`: None when the release runs no analysis."""
    found = settings(r)
    if found is None:
        return None
    block, spec = found
    steps = r.get("rollout", "canary", "steps", default=[]) if block == "canary" else []
    return {"spec": template_spec(r, spec), "rollout": rollout_ref(block, template, steps)}
