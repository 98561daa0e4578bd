"""What a serving runtime contributes to a pod, and the interface every runtime implements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from generator.errors import Diagnostic

if TYPE_CHECKING:
    from generator.inputs.resolve import Resolved

MODEL_DIR = "/mnt/models"
CONFIG_DIR = "/etc/modelops"
# The pod runs as an arbitrary uid that the image's /etc/passwd does not know: HOME and USER
# come from the environment instead (torch's getpass.getuser() raises without either), and
# HOME is an emptyDir because the root filesystem is read-only.
HOME = "/home/modelops"
USER = "modelops"


@dataclass(frozen=True)
class Port:
    name: str
    port: int
    # Whether the Service (and the ingress rule of the NetworkPolicy) exposes the port.
    serve: bool = True
    app_protocol: str | None = None

    def container_port(self) -> dict[str, Any]:
        return {"name": self.name, "containerPort": self.port, "protocol": "TCP"}


@dataclass(frozen=True)
class Server:
    """The serving container of a runtime, independent of the workload kind around it."""

    args: list[str]
    ports: list[Port]
    readiness: dict[str, Any]
    liveness: dict[str, Any]
    startup: dict[str, Any]
    command: list[str] | None = None
    metrics: tuple[str, str] | None = None  # (port name, path)
    config_files: dict[str, str] = field(default_factory=dict)
    env: list[dict[str, Any]] = field(default_factory=list)
    # Writable emptyDirs by mount path, each with its sizeLimit: /tmp and HOME at least.  The
    # kubelet evicts a pod whose emptyDir outgrows its limit, which bounds a runaway cache to
    # this pod instead of the node's disk.
    scratch: dict[str, str] = field(default_factory=lambda: {"/tmp": "1Gi", HOME: "1Gi"})
    read_only_root: bool = True
    shm_size: str | None = None
    # How long requests in flight may take to finish (spec.serving.drainSeconds overrides it).  The
    # preStop hook waits this long, after the delay for the pod to leave the endpoints, before the
    # server gets SIGTERM: not every server finishes its open requests on SIGTERM (vLLM aborts them).
    drain_seconds: int = 20


@dataclass(frozen=True)
class AnalysisQuery:
    """One metric of the release's AnalysisTemplate: a PromQL query and the spec field that bounds it."""

    name: str  # the metric's name in the AnalysisTemplate, e.g. "latency-p95"
    limit: str  # the field of rollout.<strategy>.analysis holding the upper bound, e.g. "maxLatencySeconds"
    query: str


@dataclass(frozen=True)
class ScalingSignals:
    """What an autoscaler can read of a runtime's load, in Prometheus."""

    queue: str  # a per-pod gauge of requests waiting to be served
    # The name prometheus-adapter's rule exposes `queue` as (README, "Cluster prerequisites");
    # the HPA's Pods metric asks for this name, so both must agree.
    adapter_name: str
    # (what it measures, PromQL in seconds over the series matching `selector` in `window`)
    latency_what: str
    latency: Callable[[str, str], str]


class Runtime(Protocol):
    kind: str
    # "pods": a Deployment or Rollout with Services; "kserve": an InferenceService.
    workload: Literal["pods", "kserve"]
    # The runtime's own metric names that its analysis queries may read, each cited in the module.
    METRICS: frozenset[str]
    # The queue and latency an autoscaler scales on; None where the runtime exports no queue.
    SCALING: ScalingSignals | None

    def server(self, release: Resolved) -> Server: ...

    def check(self, release: Resolved) -> list[Diagnostic]: ...

    def analysis(self, selector: str, window: str) -> list[AnalysisQuery]:
        """The canary-analysis queries over the pods matching the PromQL label matchers `selector`."""
        ...


def http_get(path: str, port: str, period: int, failures: int, timeout: int = 5) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port},
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }


def tcp(port: str, period: int, failures: int, timeout: int = 5) -> dict[str, Any]:
    return {
        "tcpSocket": {"port": port},
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# Loading weights can take many minutes; the startup probe gives a server at least 30
# minutes before liveness checks begin (a runtime may ask for more: startup_failures).
STARTUP_PERIOD = 10
STARTUP_FLOOR_SECONDS = 1800
STARTUP_FAILURES = STARTUP_FLOOR_SECONDS // STARTUP_PERIOD


def startup_failures(seconds: int) -> int:
    """The startupProbe's failureThreshold for a load that may take `seconds` (never under the floor)."""
    return _ceil_div(max(seconds, STARTUP_FLOOR_SECONDS), STARTUP_PERIOD)


def liveness_failures(window: int, period: int) -> int:
    """The livenessProbe's failureThreshold that restarts a server only after `window` seconds without an answer."""
    return _ceil_div(window, period)


def gpu_count(release: Resolved) -> int:
    return int(release.get("resources", "gpu", "count"))


# Liveness of the request/response runtimes (Triton, TorchServe, TF Serving): their health
# endpoints are answered by threads of their own (Triton's HTTP server, TorchServe's Netty
# frontend, TF Serving's gRPC server), not by the ones running inference, so a busy server still
# answers and a minute of silence means a hung one.  Each GPU beyond the first adds a minute:
# the reload a restart costs grows with the model.
LIVENESS_PERIOD = 15
LIVENESS_TIMEOUT = 5


def liveness_threshold(release: Resolved) -> int:
    return liveness_failures(60 + 60 * max(gpu_count(release) - 1, 0), LIVENESS_PERIOD)


def served_model_name(release: Resolved) -> str:
    return str(release.get("runtime", "args", "servedModelName", default=release.get("model", "name")))
