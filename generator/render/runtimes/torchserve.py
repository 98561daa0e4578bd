"""TorchServe (image pytorch/torchserve).

The management API is bound to localhost, so nothing outside the pod, the Service
included, can register or delete models.
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
)

if TYPE_CHECKING:
    from generator.inputs.resolve import Resolved

kind = "torchserve"
workload = "pods"

# Metric names of TorchServe's default metrics configuration (ts/configs/metrics.yaml,
# documented in docs/metrics.md "Default Frontend Metrics") in prometheus metrics mode.
# The status counters count every API response, health checks (/ping) included.
REQUESTS_2XX = "Requests2XX"  # counter
REQUESTS_4XX = "Requests4XX"  # counter
REQUESTS_5XX = "Requests5XX"  # counter
INFERENCE_REQUESTS = "ts_inference_requests_total"  # counter
# Cumulative inference time: TorchServe exports no latency histogram, so only the mean
# latency over the window can be derived.
INFERENCE_LATENCY = "ts_inference_latency_microseconds"  # counter, microseconds
METRICS = frozenset({REQUESTS_2XX, REQUESTS_4XX, REQUESTS_5XX, INFERENCE_REQUESTS, INFERENCE_LATENCY})
# No gauge of waiting requests to scale on: CPU or memory only.
SCALING = None


def model_name(release: Resolved) -> str:
    return str(release.get("runtime", "args", "modelName", default=release.name.replace("-", "_")))


def properties(release: Resolved) -> str:
    args = release.get("runtime", "args")
    lines = [
        "inference_address=http://0.0.0.0:8080",
        "management_address=http://127.0.0.1:8081",
        "metrics_address=http://0.0.0.0:8082",
        "metrics_mode=prometheus",
        f"model_store={MODEL_DIR}",
        f"load_models={model_name(release)}={args.get('modelArchive', '')}",
        f"default_workers_per_model={args.get('workers', 1)}",
        # Access is controlled by the NetworkPolicy and the management API is local only.
        "disable_token_authorization=true",
        "enable_envvars_config=false",
    ]
    return "\n".join(lines) + "\n"


def server(release: Resolved) -> Server:
    return Server(
        command=["torchserve"],
        args=[
            "--start",
            "--foreground",
            "--ncs",
            "--ts-config",
            f"{CONFIG_DIR}/config.properties",
            *release.get("runtime", "extraArgs"),
        ],
        ports=[Port("http", 8080, app_protocol="http"), Port("metrics", 8082, serve=False, app_protocol="http")],
        readiness=http_get("/ping", "http", period=10, failures=3),
        liveness=http_get("/ping", "http", period=LIVENESS_PERIOD, failures=liveness_threshold(release)),
        startup=http_get("/ping", "http", period=STARTUP_PERIOD, failures=STARTUP_FAILURES),
        metrics=("metrics", "/metrics"),
        config_files={"config.properties": properties(release)},
        # TorchServe writes logs and its model-server state under its working directory.
        read_only_root=False,
    )


def analysis(selector: str, window: str) -> list[AnalysisQuery]:
    """5xx per API response, and the mean inference latency (named latency-mean: it is no p95)."""
    errors = promql.rate_sum(REQUESTS_5XX, selector, window)
    responses = [promql.rate_sum(name, selector, window) for name in (REQUESTS_2XX, REQUESTS_4XX)]
    mean = promql.ratio(
        promql.rate_sum(INFERENCE_LATENCY, selector, window), promql.rate_sum(INFERENCE_REQUESTS, selector, window)
    )
    return [
        AnalysisQuery("error-rate", "maxErrorRate", promql.ratio(errors, *responses, errors)),
        AnalysisQuery("latency-mean", "maxLatencySeconds", promql.scaled(mean, 1000000)),
    ]


def check(release: Resolved) -> list[Diagnostic]:
    if not release.get("runtime", "args", "modelArchive"):
        return [
            release.diagnostic(
                ("runtime", "args", "modelArchive"),
                "the torchserve runtime needs args.modelArchive (the .mar file to load)",
            )
        ]
    return []
