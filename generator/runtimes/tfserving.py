"""TensorFlow Serving (image tensorflow/serving).

The artifact must hold the model's numbered version subdirectories (`1/`, `2/` ...), as
TensorFlow Serving expects below --model_base_path.
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
    tcp,
)

if TYPE_CHECKING:
    from generator.resolve import Resolved

kind = "tfserving"
workload = "pods"
METRICS_PATH = "/monitoring/prometheus/metrics"


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
        readiness=http_get(f"/v1/models/{name}", "http", period=10, failures=3),
        liveness=tcp("grpc", period=15, failures=4),
        startup=http_get(f"/v1/models/{name}", "http", period=STARTUP_PERIOD, failures=STARTUP_FAILURES),
        metrics=("http", METRICS_PATH),
        config_files={"monitoring.config": f'prometheus_config {{\n  enable: true\n  path: "{METRICS_PATH}"\n}}\n'},
        latency_query=(
            ":tensorflow:serving:request_latency_sum{{{selector}}} / "
            ":tensorflow:serving:request_latency_count{{{selector}}} / 1000000"
        ),
    )


def check(release: Resolved) -> list[Diagnostic]:
    return []
