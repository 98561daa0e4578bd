"""NVIDIA Triton Inference Server (image nvcr.io/nvidia/tritonserver:<version>-py3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.errors import Diagnostic
from generator.render.runtimes import promql
from generator.render.runtimes.base import (
    LIVENESS_PERIOD,
    MODEL_DIR,
    STARTUP_FAILURES,
    STARTUP_PERIOD,
    AnalysisQuery,
    Port,
    ScalingSignals,
    Server,
    http_get,
    liveness_threshold,
)

if TYPE_CHECKING:
    from generator.inputs.resolve import Resolved

kind = "triton"
workload = "pods"

# Metric names from Triton's metrics guide (docs/user_guide/metrics.md, "Inference Request
# Metrics"), all per model and counted per request.
REQUEST_SUCCESS = "nv_inference_request_success"  # counter
REQUEST_FAILURE = "nv_inference_request_failure"  # counter
# Triton has no latency histogram: its latencies are cumulative counters
# (nv_inference_request_duration_us) or, with `--metrics-config summary_latencies=true`,
# summaries whose `quantile` series hold per-pod quantiles over a sliding window.
REQUEST_SUMMARY = "nv_inference_request_summary_us"  # summary, microseconds
# src/metrics.cc of triton-inference-server/core: a gauge of requests awaiting execution, per
# model, and a counter of the microseconds requests spent queued.
PENDING_REQUESTS = "nv_inference_pending_request_count"  # gauge
QUEUE_DURATION = "nv_inference_queue_duration_us"  # counter, microseconds
METRICS = frozenset({REQUEST_SUCCESS, REQUEST_FAILURE, REQUEST_SUMMARY, PENDING_REQUESTS, QUEUE_DURATION})


def _mean_queue_seconds(selector: str, window: str) -> str:
    queued = promql.rate_sum(QUEUE_DURATION, selector, window)
    return promql.scaled(promql.ratio(queued, promql.rate_sum(REQUEST_SUCCESS, selector, window)), 1000000)


SCALING = ScalingSignals(
    queue=PENDING_REQUESTS,
    adapter_name=PENDING_REQUESTS,  # no colon: the adapter's rule keeps the name
    latency_what="mean time a request waits in the queue",
    latency=_mean_queue_seconds,
)


def server(release: Resolved) -> Server:
    args = release.get("runtime", "args")
    mode = args.get("modelControlMode", "none")
    flags = [
        f"--model-repository={MODEL_DIR}",
        "--http-port=8000",
        "--grpc-port=8001",
        "--metrics-port=8002",
        # The canary analysis reads the p95 request latency from this summary (off by default).
        "--metrics-config=summary_latencies=true",
        f"--model-control-mode={mode}",
        f"--log-verbose={args.get('logVerbose', 0)}",
    ]
    # --strict-model-config is soft-deprecated since Triton 2.24 (22.07); its replacement is a
    # bare flag, and leaving it out is the server's default (auto-complete on).
    if args.get("strictModelConfig", True):
        flags.append("--disable-auto-complete-config")
    flags += [f"--load-model={name}" for name in args.get("models", [])]
    return Server(
        command=["tritonserver"],
        args=[*flags, *release.get("runtime", "extraArgs")],
        ports=[
            Port("http", 8000, app_protocol="http"),
            Port("grpc", 8001, app_protocol="kubernetes.io/h2c"),
            Port("metrics", 8002, serve=False, app_protocol="http"),
        ],
        readiness=http_get("/v2/health/ready", "http", period=10, failures=3),
        liveness=http_get("/v2/health/live", "http", period=LIVENESS_PERIOD, failures=liveness_threshold(release)),
        startup=http_get("/v2/health/ready", "http", period=STARTUP_PERIOD, failures=STARTUP_FAILURES),
        metrics=("metrics", "/metrics"),
    )


def analysis(selector: str, window: str) -> list[AnalysisQuery]:
    """Failed per received requests, and the worst pod's p95 request latency.

    Quantiles of summaries cannot be aggregated across pods, so the slowest pod's p95 is
    taken; it covers Triton's own sliding window, not `window`.
    """
    failures = promql.rate_sum(REQUEST_FAILURE, selector, window)
    p95 = promql.series(REQUEST_SUMMARY, selector, 'quantile="0.95"')
    return [
        AnalysisQuery(
            "error-rate",
            "maxErrorRate",
            promql.ratio(failures, promql.rate_sum(REQUEST_SUCCESS, selector, window), failures),
        ),
        AnalysisQuery(
            "latency-p95",
            "maxLatencySeconds",
            promql.scaled(f"max({p95})", 1000000),
        ),
    ]


def check(release: Resolved) -> list[Diagnostic]:
    args = release.get("runtime", "args")
    if args.get("models") and args.get("modelControlMode", "none") != "explicit":
        return [
            release.diagnostic(
                ("runtime", "args", "models"), "models can only be listed with modelControlMode: explicit"
            )
        ]
    return []
