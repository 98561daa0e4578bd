"""Triton, TorchServe, TensorFlow Serving and KServe, field by field."""

from __future__ import annotations

from tests.render_helpers import container, example, kinds, obj, pod


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
        "--strict-model-config=true",
        "--log-verbose=0",
        "--load-model=bge_small_en",
    ]
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
        {"name": "metrics", "port": 8002, "targetPort": "metrics", "protocol": "TCP", "appProtocol": "http"},
    ]
    monitor = obj(example(), "dev", "bge-embeddings", "ServiceMonitor")
    assert monitor["spec"]["endpoints"] == [
        {"port": "metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}
    ]


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
    assert ports == [8080, 8082] and 8081 not in ports


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
    assert server["readinessProbe"]["httpGet"] == {"path": "/v1/models/toxicity", "port": "http"}
    assert server["livenessProbe"]["tcpSocket"] == {"port": "grpc"}
    config = obj(example(), "dev", "toxicity-classifier", "ConfigMap", "toxicity-classifier-runtime")["data"]
    assert 'path: "/monitoring/prometheus/metrics"' in config["monitoring.config"]
    monitor = obj(example(), "dev", "toxicity-classifier", "ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["path"] == "/monitoring/prometheus/metrics"
    assert monitor["spec"]["endpoints"][0]["port"] == "http"


def test_kserve_emits_an_inference_service_instead_of_deployment_service_hpa() -> None:
    assert kinds(example(), "dev", "distilbert-sentiment") == [
        "InferenceService",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "ServiceAccount",
    ]
    isvc = obj(example(), "dev", "distilbert-sentiment", "InferenceService")
    predictor = isvc["spec"]["predictor"]
    assert predictor["model"]["modelFormat"] == {"name": "huggingface"}
    assert predictor["model"]["protocolVersion"] == "v2"
    assert predictor["model"]["storageUri"] == "s3://models/distilbert/sst2/1.2.0/"
    assert predictor["model"]["args"] == ["--task=sequence_classification"]
    assert predictor["model"]["resources"] == {
        "requests": {"cpu": "2", "memory": "4Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }
    assert (predictor["minReplicas"], predictor["maxReplicas"]) == (1, 4)
    assert (predictor["scaleMetric"], predictor["scaleTarget"]) == ("cpu", 70)
    assert "canaryTrafficPercent" not in predictor  # rolling in dev
    assert predictor["annotations"]["modelops.io/artifact-digest"] == (
        "sha256:ca393538e13ea7a0ec9925d82a0ee93c135c4550a4506584777523882b77af07"
    )
    pdb = obj(example(), "dev", "distilbert-sentiment", "PodDisruptionBudget")
    assert pdb["spec"]["selector"] == {"matchLabels": {"serving.kserve.io/inferenceservice": "distilbert-sentiment"}}
    prod = obj(example(), "prod", "distilbert-sentiment", "InferenceService")["spec"]["predictor"]
    assert prod["canaryTrafficPercent"] == 10
