"""Checks a JSON Schema fragment cannot state: comparisons, allowlists from the environment, sums.

Node built-ins look at one selected node (a container); release built-ins look at every
object a release renders in one environment.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from generator.errors import Path
from generator.validate import placeholders, quantity
from generator.validate.plaintext import plaintext_secret

# (path below the node or object, message)
Finding = tuple[Path, str]
# (index of the offending object, or None for the release as a whole; path; message)
ReleaseFinding = tuple[int | None, Path, str]

WORKLOADS = ("Deployment", "Rollout", "InferenceService")


def _mapping(node: Any, key: str) -> dict[str, Any]:
    """node[key] when both are mappings, else {}: rules see any manifest a template can render."""
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, dict) else {}


def _items(node: Any, key: str) -> list[Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, list) else []


def _count(value: Any) -> Decimal | None:
    """A GPU count or replica number as written in a manifest (2, "2", 2.0), or None if it is not one."""
    if isinstance(value, bool):
        return None
    try:
        return quantity.parse(str(value)) if isinstance(value, str) else Decimal(str(value))
    except (ValueError, ArithmeticError):
        return None


def _image_pinned(node: Any, args: dict[str, Any], env: dict[str, Any]) -> list[Finding]:
    image = node.get("image") if isinstance(node, dict) else None
    if isinstance(image, str) and "@sha256:" not in image:
        return [(("image",), f"image {image} is not pinned by digest (name@sha256:...)")]
    return []


def _registry_allowed(node: Any, args: dict[str, Any], env: dict[str, Any]) -> list[Finding]:
    image = node.get("image") if isinstance(node, dict) else None
    allowed = [r for r in env.get("registries") or [] if isinstance(r, str)]
    if isinstance(image, str) and allowed and not image.startswith(tuple(allowed)):
        return [(("image",), f"image {image} is not from an allowed registry ({', '.join(allowed)})")]
    return []


def _registry_real(node: Any, args: dict[str, Any], env: dict[str, Any]) -> list[Finding]:
    image = node.get("image") if isinstance(node, dict) else None
    why = placeholders.placeholder(image) if isinstance(image, str) else None
    if why:
        return [(("image",), f"image {image} comes from a placeholder registry ({why}): replace it with the real one")]
    return []


def _gpu_equal(node: Any, args: dict[str, Any], env: dict[str, Any]) -> list[Finding]:
    resources = _mapping(node, "resources")
    requests, limits = _mapping(resources, "requests"), _mapping(resources, "limits")
    out: list[Finding] = []
    for name in sorted({str(k) for k in (*requests, *limits) if str(k).endswith("/gpu")}):
        # A request left out defaults to the limit (Kubernetes does the same for extended resources).
        request, limit = requests.get(name, limits.get(name)), limits.get(name)
        if _count(request) != _count(limit) or (limit is None) != (request is None):
            out.append((("resources", "limits", name), f"{name} limit {limit} must equal the request {request}"))
    return out


def _no_plaintext_secrets(node: Any, args: dict[str, Any], env: dict[str, Any]) -> list[Finding]:
    return [
        (("env", i, "value"), f"env var {var.get('name', '?')} holds a plaintext secret; use valueFrom.secretKeyRef")
        for i, var in enumerate(_items(node, "env"))
        if isinstance(var, dict) and plaintext_secret(str(var.get("name", "")), var.get("value"))
    ]


def _object_present(objects: list[dict[str, Any]], args: dict[str, Any], env: dict[str, Any]) -> list[ReleaseFinding]:
    have = {o.get("kind") for o in objects if isinstance(o, dict)}
    return [(None, (), f"the release renders no {kind}") for kind in args["kinds"] if kind not in have]


def _pod_gpus(containers: list[Any]) -> Decimal:
    total = Decimal(0)
    for container in containers:
        limits = _mapping(_mapping(container, "resources"), "limits")
        total += sum((_count(v) or Decimal(0) for k, v in limits.items() if str(k).endswith("/gpu")), Decimal(0))
    return total


def _workload_gpus(obj: dict[str, Any], autoscaled: dict[tuple[Any, Any], Any]) -> tuple[Decimal, Decimal]:
    """(GPUs per pod, replicas at most) of one workload object."""
    spec = _mapping(obj, "spec")
    if obj.get("kind") == "InferenceService":
        predictor = _mapping(spec, "predictor")
        return _pod_gpus([_mapping(predictor, "model")]), _count(predictor.get("maxReplicas", 1)) or Decimal(1)
    per_pod = _pod_gpus(_items(_mapping(_mapping(spec, "template"), "spec"), "containers"))
    name = _mapping(obj, "metadata").get("name")
    replicas = autoscaled.get((obj.get("kind"), name), spec.get("replicas", 1))
    return per_pod, _count(replicas) or Decimal(1)


def _max_gpus(objects: list[dict[str, Any]], args: dict[str, Any], env: dict[str, Any]) -> list[ReleaseFinding]:
    limit = _count(_mapping(env, "policy").get("maxGpusPerRelease"))
    if limit is None:
        return []
    autoscaled = {}
    for o in objects:
        field = {"HorizontalPodAutoscaler": "maxReplicas", "ScaledObject": "maxReplicaCount"}.get(
            str(o.get("kind")) if isinstance(o, dict) else ""
        )
        if field:
            target = _mapping(_mapping(o, "spec"), "scaleTargetRef")
            autoscaled[(target.get("kind"), target.get("name"))] = _mapping(o, "spec").get(field, 1)
    workloads = [(i, o) for i, o in enumerate(objects) if isinstance(o, dict) and o.get("kind") in WORKLOADS]
    usage = [(i, *_workload_gpus(o, autoscaled)) for i, o in workloads]
    total = sum((per_pod * replicas for _, per_pod, replicas in usage), Decimal(0))
    if total <= limit or not usage:
        return []
    index, per_pod, replicas = max(usage, key=lambda u: u[1] * u[2])
    detail = (
        f"{per_pod:g} per pod x {replicas:g}" if len(usage) == 1 else f"largest: {per_pod:g} per pod x {replicas:g}"
    )
    return [
        (index, ("spec",), f"{total:g} GPUs at max replicas ({detail}); the environment allows {limit:g} per release")
    ]


NODE: dict[str, Callable[[Any, dict[str, Any], dict[str, Any]], list[Finding]]] = {
    "image-pinned-by-digest": _image_pinned,
    "registry-allowlist": _registry_allowed,
    "no-placeholder-registry": _registry_real,
    "gpu-limits-equal-requests": _gpu_equal,
    "no-plaintext-secrets": _no_plaintext_secrets,
}
RELEASE: dict[str, Callable[[list[dict[str, Any]], dict[str, Any], dict[str, Any]], list[ReleaseFinding]]] = {
    "object-present": _object_present,
    "max-gpus-per-release": _max_gpus,
}


def check_arguments(name: str, args: dict[str, Any], layer: str, has_select: bool) -> str | None:
    """Why `name` cannot be used this way, or None."""
    if layer != "manifest":
        return f"built-in {name} checks rendered manifests: use layer: manifest"
    if name in RELEASE and has_select:
        return f"built-in {name} looks at all of a release's objects; it takes no select"
    if name == "object-present":
        kinds = args.get("kinds")
        if not (isinstance(kinds, list) and kinds and all(isinstance(k, str) for k in kinds)):
            return "object-present needs `with: {kinds: [Kind, ...]}`"
    elif args:
        return f"built-in {name} takes no arguments"
    return None
