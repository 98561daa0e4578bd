"""TensorFlow Serving, field by field."""

from __future__ import annotations

from tests.render_helpers import container, example, obj


def test_tfserving_ports_base_path_and_metrics() -> None:
    deployment = obj(example(), "dev", "toxicity-classifier", "Deployment")
    server = container(deployment)
    assert server["command"] == ["tensorflow_model_server"]
    assert server["args"] == [
        "--port=8500",
        "--rest_api_port=8501",
        "--model_name=toxicity",
        "--model_base_path=/mnt/models",
        "--monitoring_config_file=/etc/modelops/monitoring.config",
        "--enable_batching=true",
    ]
    assert [(p["name"], p["containerPort"]) for p in server["ports"]] == [("grpc", 8500), ("http", 8501)]
    # the status endpoint answers 200 while the model is still LOADING; metadata only once AVAILABLE
    assert server["readinessProbe"]["httpGet"] == {"path": "/v1/models/toxicity/metadata", "port": "http"}
    assert server["startupProbe"]["httpGet"] == {"path": "/v1/models/toxicity/metadata", "port": "http"}
    assert server["livenessProbe"]["tcpSocket"] == {"port": "grpc"}
    config = obj(example(), "dev", "toxicity-classifier", "ConfigMap", "toxicity-classifier-runtime")["data"]
    assert 'path: "/monitoring/prometheus/metrics"' in config["monitoring.config"]
    monitor = obj(example(), "dev", "toxicity-classifier", "ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["path"] == "/monitoring/prometheus/metrics"
    assert monitor["spec"]["endpoints"][0]["port"] == "http"
