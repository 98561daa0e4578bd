"""Checks a JSON Schema fragment cannot state: comparisons, allowlists from the environment, sums.

Node built-ins look at one selected node (a container); release built-ins look at every
object a release renders in one environment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.errors import Path
from generator.secrets import plaintext_secret

# (path below the node or object, message)
Finding = tuple[Path, str]
# (index of the offending object, or None for the release as a whole; path; message)
ReleaseFinding = tuple[int | None, Path, str]

WORKLOADS = ("Deployment", "Rollout", "InferenceService")


def _image_pinned(node: Any, args: dict[str, Any], env: dict[str, Any]) -> list[Finding]:
    image = node.get("image") if isinstance(node, dict) else None
    if isinstance(image, str) and "@sha256:" not in image:
        return [(("image",), f"image {image} is not pinned by digest (name@sha256:...)")]
    return []


def _registry_allowed(node: Any, args: dict[str, Any], env: dict[str, Any]) -> list[Finding]:
    image = node.get("image") if isinstance(node, dict) else None
    allowed = env.get("registries") or []
    if isinstance(image, str) and allowed and not image.startswith(tuple(allowed)):
        return [(("image",), f"image {image} is not from an allowed registry ({', '.join(allowed)})")]
    return []


def _gpu_equal(node: Any, args: dict[str, Any], env: dict[str, Any]) -> list[Finding]:
    resources = node.get("resources", {}) if isinstance(node, dict) else {}
    requests, limits = resources.get("requests", {}) or {}, resources.get("limits", {}) or {}
    out = []
    for name in sorted({k for k in (*requests, *limits) if k.endswith("/gpu")}):
        if requests.get(name, limits.get(name)) != limits.get(name):
            out.append(
                (
                    ("resources", "limits", name),
                    f"{name} limit {limits.get(name)} must equal the request {requests.get(name)}",
                )
            )
    return out


def _no_plaintext_secrets(node: Any, args: dict[str, Any], env: dict[str, Any]) -> list[Finding]:
    variables = node.get("env", []) if isinstance(node, dict) else []
    return [
        (("env", i, "value"), f"env var {var['name']} holds a plaintext secret; use valueFrom.secretKeyRef")
        for i, var in enumerate(variables)
        if isinstance(var, dict) and plaintext_secret(str(var.get("name", "")), var.get("value"))
    ]


def _object_present(objects: list[dict[str, Any]], args: dict[str, Any], env: dict[str, Any]) -> list[ReleaseFinding]:
    have = {o.get("kind") for o in objects}
    return [(None, (), f"the release renders no {kind}") for kind in args["kinds"] if kind not in have]


def _pod_gpus(containers: list[dict[str, Any]]) -> int:
    total = 0
    for container in containers:
        limits = (container.get("resources") or {}).get("limits") or {}
        total += sum(int(v) for k, v in limits.items() if k.endswith("/gpu") and str(v).isdigit())
    return total


def _max_gpus(objects: list[dict[str, Any]], args: dict[str, Any], env: dict[str, Any]) -> list[ReleaseFinding]:
    limit = (env.get("policy") or {}).get("maxGpusPerRelease")
    if limit is None:
        return []
    autoscalers = {
        (o["spec"]["scaleTargetRef"].get("kind"), o["spec"]["scaleTargetRef"].get("name")): o["spec"].get(
            "maxReplicas", 1
        )
        for o in objects
        if o.get("kind") == "HorizontalPodAutoscaler"
    }
    out = []
    for index, obj in enumerate(objects):
        if obj.get("kind") not in WORKLOADS:
            continue
        spec = obj.get("spec", {})
        if obj["kind"] == "InferenceService":
            predictor = spec.get("predictor", {})
            per_pod, replicas = _pod_gpus([predictor.get("model", {})]), predictor.get("maxReplicas", 1)
        else:
            per_pod = _pod_gpus(spec.get("template", {}).get("spec", {}).get("containers", []))
            replicas = autoscalers.get((obj["kind"], obj["metadata"]["name"]), spec.get("replicas", 1))
        if per_pod * replicas > limit:
            out.append(
                (
                    index,
                    ("spec",),
                    f"{per_pod * replicas} GPUs at max replicas ({per_pod} per pod x "
                    f"{replicas}); the environment allows {limit} per release",
                )
            )
    return out


NODE: dict[str, Callable[[Any, dict[str, Any], dict[str, Any]], list[Finding]]] = {
    "image-pinned-by-digest": _image_pinned,
    "registry-allowlist": _registry_allowed,
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
