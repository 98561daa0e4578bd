"""The pod around a runtime's server: who it runs as, its scratch space and disk, how it stops.

What a Kubernetes version supports is decided here too, from the environment's
kubernetesVersion: a field the API server does not know (or whose feature gate is off by
default) would be dropped on admission, so it is rendered only from the minor version that
turns it on by default.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from generator.inputs.resolve import Resolved
from generator.inputs.spec import Environment
from generator.render import artifact
from generator.render.runtimes.base import HOME, USER, Server
from generator.schemas import kubernetes
from generator.validate import quantity

# The Kubernetes minor version from which each field works without a feature gate being turned
# on, per pkg/features/kube_features.go:
# PDBUnhealthyPodEvictionPolicy: alpha 1.26 (off), beta 1.27 (on by default), GA 1.31.
# PodLifecycleSleepAction (lifecycle.preStop.sleep): alpha 1.29 (off), beta 1.30 (on), GA 1.34.
SINCE = {"unhealthyPodEvictionPolicy": (1, 27), "sleepAction": (1, 30)}

# The time a terminating pod takes to leave every load balancer's endpoints (kube-proxy, the
# ingress controller, a mesh sidecar): requests still arrive meanwhile, so the server keeps
# serving until then.
PRESTOP_DELAY_SECONDS = 10
# After preStop, the time the server has from SIGTERM to exit before the kubelet kills it.
EXIT_SECONDS = 30
# Ephemeral storage beyond the emptyDirs: container logs, and the few files a read-only root
# still gets (/etc/hosts and the like).  A writable root needs room for what the server writes.
HEADROOM = "2Gi"
WRITABLE_ROOT = "4Gi"

# Hub tokens a server never uses with HF_HUB_OFFLINE=1 (huggingface_hub reads both names).
HUB_TOKENS = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")


def _version(env: Environment) -> tuple[int, int]:
    major, minor = kubernetes.minor(env.kubernetes_version).split(".")
    return int(major), int(minor)


def features(env: Environment) -> dict[str, bool]:
    """Which version-dependent fields the environment's Kubernetes takes, by SINCE's names."""
    have = _version(env)
    return {name: have >= since for name, since in SINCE.items()}


def identity_env() -> list[dict[str, str]]:
    return [{"name": "USER", "value": USER}, {"name": "HOME", "value": HOME}]


def scratch(server: Server) -> dict[str, str]:
    """The server's writable emptyDirs by mount path: /tmp and HOME whatever the runtime lists."""
    return {"/tmp": "1Gi", HOME: "1Gi", **server.scratch}


def _format(amount: Decimal) -> str:
    mib = int(-(-amount // 2**20))
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"


def storage_needed(r: Resolved, server: Server) -> str:
    """What the pod may write to the node's disk: the downloaded model, the scratch emptyDirs, headroom."""
    parts = [*scratch(server).values(), HEADROOM]
    if artifact.claim(r.get("model", "artifact", "uri")) is None:
        parts.append(r.get("model", "artifact", "size"))
    if not server.read_only_root:
        parts.append(WRITABLE_ROOT)
    return _format(sum((quantity.parse(p) for p in parts), Decimal(0)))


def ephemeral_storage(r: Resolved, server: Server) -> str:
    """resources.ephemeralStorage when the spec sets it (validate checks it covers storage_needed)."""
    return str(r.spec["resources"].get("ephemeralStorage") or storage_needed(r, server))


def drain_seconds(r: Resolved, server: Server) -> int:
    value = r.get("serving", "drainSeconds")
    return server.drain_seconds if value is None else int(value)


def pre_stop(r: Resolved, server: Server) -> dict[str, Any]:
    """Keep serving while the pod leaves the endpoints, then let requests in flight finish."""
    seconds = PRESTOP_DELAY_SECONDS + drain_seconds(r, server)
    if features(r.env)["sleepAction"]:
        return {"sleep": {"seconds": seconds}}
    # Before 1.30 only exec can wait, and needs a `sleep` binary in the image (every runtime's
    # image has one; a distroless image would not).
    return {"exec": {"command": ["sleep", str(seconds)]}}


def termination_grace_seconds(r: Resolved, server: Server) -> int:
    """The grace period counts from the start of preStop: its delay and drain, then the exit."""
    return PRESTOP_DELAY_SECONDS + drain_seconds(r, server) + EXIT_SECONDS


def offline(server: Server) -> bool:
    return any(v["name"] == "HF_HUB_OFFLINE" and v.get("value") == "1" for v in server.env)


def hub_tokens(r: Resolved, server: Server) -> list[int]:
    """Indexes in runtime.env of Hub tokens the server would get while it runs offline: not injected."""
    if not offline(server):
        return []
    return [i for i, var in enumerate(r.get("runtime", "env")) if var["name"] in HUB_TOKENS]


def fetches_from_hub(r: Resolved) -> bool:
    return str(r.get("model", "artifact", "uri")).startswith("hf://")
