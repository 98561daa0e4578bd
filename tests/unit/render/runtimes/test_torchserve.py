"""TorchServe, field by field."""

from __future__ import annotations

from tests.render_helpers import container, example, obj


def test_torchserve_keeps_the_management_api_off_the_service() -> None:
    deployment = obj(example(), "dev", "resnet50-classifier", "Deployment")
    server = container(deployment)
    assert server["command"] == ["torchserve"]
    assert server["args"] == ["--start", "--foreground", "--ncs", "--ts-config", "/etc/modelops/config.properties"]
    assert [p["containerPort"] for p in server["ports"]] == [8080, 8082]
    assert server["readinessProbe"]["httpGet"] == {"path": "/ping", "port": "http"}
    assert server["securityContext"]["readOnlyRootFilesystem"] is False  # TorchServe writes under its home
    props = obj(example(), "dev", "resnet50-classifier", "ConfigMap", "resnet50-classifier-runtime")["data"]
    lines = props["config.properties"].splitlines()
    assert "management_address=http://127.0.0.1:8081" in lines
    assert "inference_address=http://0.0.0.0:8080" in lines
    assert "model_store=/mnt/models" in lines
    assert "load_models=resnet50_classifier=resnet50-products.mar" in lines
    assert "default_workers_per_model=2" in lines
    ports = [p["port"] for p in obj(example(), "dev", "resnet50-classifier", "Service")["spec"]["ports"]]
    assert ports == [8080]  # neither the management API (8081) nor the metrics port (8082) is served
    metrics = obj(example(), "dev", "resnet50-classifier", "Service", "resnet50-classifier-metrics")
    assert [p["port"] for p in metrics["spec"]["ports"]] == [8082]
