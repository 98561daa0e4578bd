"""TorchServe (image pytorch/torchserve).

The management API is bound to localhost, so nothing outside the pod, the Service
included, can register or delete models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.errors import Diagnostic
from generator.runtimes.base import (
    CONFIG_DIR,
    MODEL_DIR,
    STARTUP_FAILURES,
    STARTUP_PERIOD,
    Port,
    Server,
    http_get,
)

if TYPE_CHECKING:
    from generator.resolve import Resolved

kind = "torchserve"
workload = "pods"


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
        ports=[Port("http", 8080, app_protocol="http"), Port("metrics", 8082, app_protocol="http")],
        readiness=http_get("/ping", "http", period=10, failures=3),
        liveness=http_get("/ping", "http", period=15, failures=4),
        startup=http_get("/ping", "http", period=STARTUP_PERIOD, failures=STARTUP_FAILURES),
        metrics=("metrics", "/metrics"),
        config_files={"config.properties": properties(release)},
        # TorchServe writes logs and its model-server state under its working directory.
        read_only_root=False,
        latency_query=(
            "sum(rate(ts_inference_latency_microseconds{{{selector}}}[5m]))"
            " / sum(rate(ts_inference_requests_total{{{selector}}}[5m])) / 1000000"
        ),
    )


def check(release: Resolved) -> list[Diagnostic]:
    if not release.get("runtime", "args", "modelArchive"):
        return [
            release.diagnostic(
                ("runtime", "args", "modelArchive"),
                "the torchserve runtime needs args.modelArchive (the .mar file to load)",
            )
        ]
    return []
