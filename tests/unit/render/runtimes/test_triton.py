"""NVIDIA Triton Inference Server, field by field."""

from __future__ import annotations

from tests.render_helpers import container, example, obj, pod


def test_triton_ports_probes_and_explicit_models() -> None:
    deployment = obj(example(), "dev", "bge-embeddings", "Deployment")
    server = container(deployment)
    assert server["command"] == ["tritonserver"]
    assert server["args"] == [
        "--model-repository=/mnt/models",
        "--http-port=8000",
        "--grpc-port=8001",
        "--metrics-port=8002",
        "--metrics-config=summary_latencies=true",  # the p95 the canary analysis reads
        "--model-control-mode=explicit",
        "--log-verbose=0",
        "--disable-auto-complete-config",  # --strict-model-config is deprecated (Triton 2.24)
        "--load-model=bge_small_en",
    ]
    assert not any(a.startswith("--strict-model-config") for a in server["args"])
    assert [(p["name"], p["containerPort"]) for p in server["ports"]] == [
        ("http", 8000),
        ("grpc", 8001),
        ("metrics", 8002),
    ]
    assert server["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": "http"}
    assert server["livenessProbe"]["httpGet"] == {"path": "/v2/health/live", "port": "http"}
    assert "nvidia.com/gpu" not in server["resources"]["limits"]  # embeddings on CPU
    assert "nodeSelector" not in pod(deployment) and "tolerations" not in pod(deployment)
    service = obj(example(), "dev", "bge-embeddings", "Service")
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 8000, "targetPort": "http", "protocol": "TCP", "appProtocol": "http"},
        {"name": "grpc", "port": 8001, "targetPort": "grpc", "protocol": "TCP", "appProtocol": "kubernetes.io/h2c"},
    ]  # the metrics port is only on the headless metrics Service, for Prometheus
    monitor = obj(example(), "dev", "bge-embeddings", "ServiceMonitor")
    assert monitor["spec"]["endpoints"] == [
        {"port": "metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}
    ]
