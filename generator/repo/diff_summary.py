"""What a change does to each release in each environment, read from the rendered objects of both sides.

A reviewer asks first what runs where after the merge: version, image, artifact, replicas, GPUs,
strategy, and how much traffic a canary really gets. Those are read from the objects themselves
(the workload's labels, annotations and containers, its autoscaler), never from the specs, so
the summary holds for any two revisions, whatever templates rendered them.

Most objects of a release carry its version in their labels, so a version bump changes every
one of them; `version_only` tells those apart from objects whose content changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from generator.render.canary_split import steps_split
from generator.render.objects import RenderedTree
from generator.repo import running
from generator.repo.status import WORKLOAD_KINDS

FIELDS = ("version", "image", "artifact", "replicas", "gpus", "strategy", "canary")
# Labels and annotations that say which model version an object belongs to, not what it does.
VERSION_LABELS = frozenset({"app.kubernetes.io/version", "modelops.io/model-version"})
VERSION_ANNOTATIONS = frozenset({"modelops.io/artifact-uri", "modelops.io/artifact-digest", "modelops.io/image"})
_DEFAULT_SURGE = "25%"  # Argo Rollouts' default for a canary's maxSurge

Facts = dict[str, str | None]


@dataclass
class Row:
    """One release in one environment whose objects differ: each field before and after."""

    release: str
    environment: str
    status: str  # added | changed | removed
    before: Facts
    after: Facts

    @property
    def changed(self) -> list[str]:
        return [f for f in FIELDS if self.before.get(f) != self.after.get(f)]

    def to_json(self) -> dict[str, object]:
        return {
            "release": self.release,
            "environment": self.environment,
            "status": self.status,
            "changed": self.changed,
            "fields": {f: {"before": self.before.get(f), "after": self.after.get(f)} for f in FIELDS},
        }


def version_only(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """The two objects differ, and only in the labels and annotations that carry the version."""
    return old != new and _unversioned(old) == _unversioned(new)


def _unversioned(node: Any, key: str = "") -> Any:
    # Pod templates and InferenceService predictors carry the labels too: strip them at any depth.
    if isinstance(node, dict):
        drop = VERSION_LABELS if key == "labels" else VERSION_ANNOTATIONS if key == "annotations" else frozenset()
        return {k: _unversioned(v, k) for k, v in node.items() if k not in drop}
    if isinstance(node, list):
        return [_unversioned(v) for v in node]
    return node


def rows(
    base: RenderedTree,
    head: RenderedTree,
    units: Iterable[tuple[str, str]],
) -> list[Row]:
    """A row per (environment, release) of `units`, in their order."""
    then, now = _by_unit(base), _by_unit(head)
    out = []
    for env, release in units:
        before, after = facts(then.get((env, release), [])), facts(now.get((env, release), []))
        status = "added" if before is None else "removed" if after is None else "changed"
        out.append(Row(release, env, status, before or {}, after or {}))
    return out


def _by_unit(tree: RenderedTree) -> dict[tuple[str, str], list[dict[str, Any]]]:
    units: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for obj in tree.objects.values():
        if obj.release is not None:
            units[obj.environment, obj.release].append(obj.obj)
    return units


def facts(objects: list[dict[str, Any]]) -> Facts | None:
    """What one release's objects in one environment run; None when it has no objects there."""
    if not objects:
        return None
    runs = running.of_objects(objects)
    workload = next((o for o in objects if o.get("kind") in WORKLOAD_KINDS), {})
    uri, digest = runs.artifact_uri, runs.artifact_digest
    low, high = runs.min_replicas, runs.max_replicas
    if low is None and high is None and runs.replicas is not None:
        low = high = runs.replicas
    strategy = _strategy(workload)
    return {
        "version": runs.model_version,
        "image": runs.image or _image(workload),
        "artifact": f"{uri}@{digest}" if uri and digest else uri or digest,
        "replicas": None if low is None and high is None else _span(low, high),
        "gpus": str(runs.gpus) if runs.gpus is not None else None,
        "strategy": strategy,
        "canary": _canary(workload, low, high) if strategy == "canary" else None,
    }


def _span(low: int | None, high: int | None) -> str:
    # An en dash, as a range is written.
    return str(low) if low == high else f"{'?' if low is None else low}\u2013{'?' if high is None else high}"


def _image(workload: dict[str, Any]) -> str | None:
    """The serving container's image, when the workload carries no modelops.io/image annotation."""
    spec = workload.get("spec") or {}
    predictor = spec.get("predictor") or {}
    model = predictor.get("model") or {}
    if model.get("image"):
        return str(model["image"])
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or predictor.get("containers")
    return str(containers[0]["image"]) if containers and containers[0].get("image") else None


def _strategy(workload: dict[str, Any]) -> str | None:
    spec = workload.get("spec") or {}
    kind = workload.get("kind")
    if kind == "Deployment":
        return "rolling"
    if kind == "Rollout":
        declared = spec.get("strategy") or {}
        return "canary" if "canary" in declared else "blue-green" if "blueGreen" in declared else None
    if kind == "InferenceService":
        return "canary" if (spec.get("predictor") or {}).get("canaryTrafficPercent") is not None else "rolling"
    return None


def _canary(workload: dict[str, Any], low: int | None, high: int | None) -> str | None:
    """Each step's declared weight, and when no router splits traffic, what the pods really get at min/max.

    The Rollout's own trafficRouting says whether a router splits it: an environment that declares
    a router (spec.cluster.capabilities.argoRollouts.trafficRouter) routes nothing unless the
    rendered Rollout names it, and the controller then splits by pod count.
    """
    spec = workload.get("spec") or {}
    if workload.get("kind") == "InferenceService":
        return f"{spec['predictor']['canaryTrafficPercent']}%"  # KServe routes it: the split is exact
    canary = (spec.get("strategy") or {}).get("canary") or {}
    weights = [int(s["setWeight"]) for s in canary.get("steps") or [] if isinstance(s, dict) and "setWeight" in s]
    if not weights:
        return None
    if canary.get("trafficRouting") or low is None or high is None:
        return ", ".join(f"{w}%" for w in weights)
    surge = canary.get("maxSurge", _DEFAULT_SURGE)
    counts = sorted({low, high})
    shares = [[round(s.actual) for s in steps_split(weights, n, surge)] for n in counts]
    steps = []
    for i, weight in enumerate(weights):
        real = [share[i] for share in shares]
        steps.append(f"{weight}%" if set(real) == {weight} else f"{weight}%→" + "/".join(f"{r}%" for r in real))
    return ", ".join(steps)
