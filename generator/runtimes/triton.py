"""NVIDIA Triton Inference Server (image nvcr.io/nvidia/tritonserver:<version>-py3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.errors import Diagnostic
from generator.runtimes.base import MODEL_DIR, STARTUP_FAILURES, STARTUP_PERIOD, Port, Server, http_get

if TYPE_CHECKING:
    from generator.resolve import Resolved

kind = "triton"
workload = "pods"


def server(release: Resolved) -> Server:
    args = release.get("runtime", "args")
    mode = args.get("modelControlMode", "none")
    flags = [
        f"--model-repository={MODEL_DIR}",
        "--http-port=8000",
        "--grpc-port=8001",
        "--metrics-port=8002",
        f"--model-control-mode={mode}",
        f"--strict-model-config={'true' if args.get('strictModelConfig', True) else 'false'}",
        f"--log-verbose={args.get('logVerbose', 0)}",
    ]
    flags += [f"--load-model={name}" for name in args.get("models", [])]
    return Server(
        command=["tritonserver"],
        args=[*flags, *release.get("runtime", "extraArgs")],
        ports=[
            Port("http", 8000, app_protocol="http"),
            Port("grpc", 8001, app_protocol="kubernetes.io/h2c"),
            Port("metrics", 8002, app_protocol="http"),
        ],
        readiness=http_get("/v2/health/ready", "http", period=10, failures=3),
        liveness=http_get("/v2/health/live", "http", period=15, failures=4),
        startup=http_get("/v2/health/ready", "http", period=STARTUP_PERIOD, failures=STARTUP_FAILURES),
        metrics=("metrics", "/metrics"),
        latency_query=(
            "sum(rate(nv_inference_request_duration_us{{{selector}}}[5m]))"
            " / sum(rate(nv_inference_request_success{{{selector}}}[5m])) / 1000000"
        ),
    )


def check(release: Resolved) -> list[Diagnostic]:
    args = release.get("runtime", "args")
    if args.get("models") and args.get("modelControlMode", "none") != "explicit":
        return [
            release.diagnostic(
                ("runtime", "args", "models"), "models can only be listed with modelControlMode: explicit"
            )
        ]
    return []
