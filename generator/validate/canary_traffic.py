"""The share of requests a canary step really gets, and a warning where it strays from the weight.

With a traffic router the weight is exact (generator.render.traffic). Without one the release's
Service spreads requests over every pod, so a step gets the canary's share of the pods, which
Argo Rollouts picks (generator.render.canary_split) for the replica count of that moment:
anywhere between the autoscaler's minReplicas and maxReplicas. Both ends are computed; a step
more than `TOLERANCE` points off at either end is a warning, on the line that set the step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from generator import catalog
from generator.catalog import Severity
from generator.errors import Diagnostic
from generator.inputs.resolve import Resolved
from generator.render import traffic
from generator.render.canary_split import Split, split, surge_count
from generator.render.runtimes import registry

TOLERANCE = 10  # percentage points
_ROUTER_FIELD = "spec.cluster.capabilities.argoRollouts.trafficRouter"
# Past this, more replicas are no answer worth suggesting.
_MOST_REPLICAS = 100


@dataclass(frozen=True)
class StepSplit:
    index: int  # position in rollout.canary.steps
    weight: int
    low: Split  # at scaling.minReplicas
    high: Split  # at scaling.maxReplicas

    @property
    def off_by(self) -> float:
        return max(self.low.off_by, self.high.off_by)


def applies(r: Resolved) -> bool:
    """A canary of pods whose traffic follows pod counts: no router, and not KServe's own canary."""
    return (
        r.get("rollout", "strategy") == "canary"
        and registry.get(r.get("runtime", "kind")).workload == "pods"
        and traffic.routed(r) is None
    )


def _at(weight: int, replicas: int, max_surge: int | str) -> Split:
    return split(weight, replicas, surge_count(max_surge, replicas))


def steps(r: Resolved) -> list[StepSplit]:
    """Every setWeight step at min and max replicas; empty where the split is exact or not by pods."""
    if not applies(r):
        return []
    low, high = r.get("scaling", "minReplicas"), r.get("scaling", "maxReplicas")
    surge = r.get("rollout", "maxSurge")
    return [
        StepSplit(i, step["setWeight"], _at(step["setWeight"], low, surge), _at(step["setWeight"], high, surge))
        for i, step in enumerate(r.get("rollout", "canary", "steps"))
        if "setWeight" in step
    ]


def replicas_for(weight: int, max_surge: int | str) -> int | None:
    """The fewest replicas from which on the pod split stays within TOLERANCE of `weight`."""
    fits = [n for n in range(1, _MOST_REPLICAS + 1) if _at(weight, n, max_surge).off_by <= TOLERANCE]
    # From which on: the split of a count past the first fit can still stray (50% on 3 pods).
    for n in fits:
        if all(m in fits for m in range(n, _MOST_REPLICAS + 1)):
            return n
    return None


def _pods(s: Split) -> str:
    replicas = f"{s.replicas} replica{'s' if s.replicas != 1 else ''}"
    return f"{s.actual:.0f}% of the requests at {replicas} ({s.canary} canary + {s.stable} stable pods)"


def findings(r: Resolved) -> Iterable[Diagnostic]:
    surge = r.get("rollout", "maxSurge")
    for step in steps(r):
        if step.off_by <= TOLERANCE:
            continue
        at = [_pods(s) for s in (step.low, step.high) if s.off_by > TOLERANCE]
        if step.low.replicas == step.high.replicas:
            at = at[:1]
        need = replicas_for(step.weight, surge)
        more = f"scaling.minReplicas of at least {need}" if need else "more replicas"
        yield r.diagnostic(
            ("rollout", "canary", "steps", step.index, "setWeight"),
            f"setWeight {step.weight} gives the canary {' and '.join(at)}: without a "
            f"traffic router Argo Rollouts splits traffic by pod count; use {more}, or declare "
            f"{_ROUTER_FIELD} in environment {r.env.name} ({r.env.file})",
            rule=catalog.CANARY_SPLIT,
            severity=Severity.WARNING,
        )
