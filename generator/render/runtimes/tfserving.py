"""TensorFlow Serving (image tensorflow/serving).

The artifact must hold the model's numbered version subdirectories (`1/`, `2/` ...), as
TensorFlow Serving expects below --model_base_path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.errors import Diagnostic
from generator.render.runtimes import promql
from generator.render.runtimes.base import (
    CONFIG_DIR,
    LIVENESS_PERIOD,
    MODEL_DIR,
    STARTUP_FAILURES,
    STARTUP_PERIOD,
    AnalysisQuery,
    Port,
    Server,
    http_get,
    liveness_threshold,
    tcp,
)

if TYPE_CHECKING:
    from generator.inputs.resolve import Resolved

kind = "tfserving"
workload = "pods"
METRICS_PATH = "/monitoring/prometheus/metrics"

# Metric names from tensorflow_serving/servables/tensorflow/util.cc; the Prometheus exporter
# turns "/tensorflow/serving/x" into ":tensorflow:serving:x".
# Requests by model and status (the canonical error code name: "OK", "INVALID_ARGUMENT", ...).
REQUEST_COUNT = ":tensorflow:serving:request_count"  # counter
REQUEST_LATENCY = ":tensorflow:serving:request_latency"  # histogram, microseconds
METRICS = frozenset({REQUEST_COUNT, REQUEST_LATENCY})
# No gauge of waiting requests to scale on: CPU or memory only.
SCALING = None


def model_name(release: Resolved) -> str:
    return str(release.get("runtime", "args", "modelName", default=release.name.replace("-", "_")))


def server(release: Resolved) -> Server:
    name = model_name(release)
    flags = [
        "--port=8500",
        "--rest_api_port=8501",
        f"--model_name={name}",
        f"--model_base_path={MODEL_DIR}",
        f"--monitoring_config_file={CONFIG_DIR}/monitoring.config",
    ]
    if release.get("runtime", "args", "enableBatching"):
        flags.append("--enable_batching=true")
    return Server(
        command=["tensorflow_model_server"],
        args=[*flags, *release.get("runtime", "extraArgs")],
        ports=[Port("grpc", 8500, app_protocol="kubernetes.io/h2c"), Port("http", 8501, app_protocol="http")],
        # /v1/models/NAME answers 200 in every state, LOADING included; the metadata request asks
        # ServerCore for a handle on the servable, which exists only once a version is AVAILABLE
        # (404 before), so ready means loaded.
        readiness=http_get(f"/v1/models/{name}/metadata", "http", period=10, failures=3),
        liveness=tcp("grpc", period=LIVENESS_PERIOD, failures=liveness_threshold(release)),
        startup=http_get(f"/v1/models/{name}/metadata", "http", period=STARTUP_PERIOD, failures=STARTUP_FAILURES),
        metrics=("http", METRICS_PATH),
        config_files={"monitoring.config": f'prometheus_config {{\n  enable: true\n  path: "{METRICS_PATH}"\n}}\n'},
    )


# Status codes that are the server's fault; INVALID_ARGUMENT, NOT_FOUND and the like are the
# client's, and a burst of bad requests must not abort a rollout.
SERVER_ERRORS = "INTERNAL|UNAVAILABLE|UNKNOWN|DEADLINE_EXCEEDED|RESOURCE_EXHAUSTED|DATA_LOSS|UNIMPLEMENTED"


def analysis(selector: str, window: str) -> list[AnalysisQuery]:
    """Requests that failed on the server's side per request, and the p95 request latency."""
    return [
        AnalysisQuery(
            "error-rate",
            "maxErrorRate",
            promql.ratio(
                promql.rate_sum(REQUEST_COUNT, selector, window, f'status=~"{SERVER_ERRORS}"'),
                promql.rate_sum(REQUEST_COUNT, selector, window),
            ),
        ),
        AnalysisQuery(
            "latency-p95",
            "maxLatencySeconds",
            promql.scaled(promql.histogram_p95(REQUEST_LATENCY, selector, window), 1000000),
        ),
    ]


def check(release: Resolved) -> list[Diagnostic]:
    return []
