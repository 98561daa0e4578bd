"""KServe, field by field, in each deployment mode (dev and staging: RawDeployment, prod: Serverless)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import edit
from tests.render_helpers import example, findings, kinds, obj, render

NAME = "distilbert-sentiment"
SELECTOR = {"serving.kserve.io/inferenceservice": NAME}
ENVS = ("dev", "staging", "prod")


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _knative(app: str) -> dict[str, Any]:
    return {**_namespace("knative-serving"), "podSelector": {"matchLabels": {"app": app}}}


def test_kserve_emits_an_inference_service_instead_of_deployment_service_hpa() -> None:
    assert kinds(example(), "dev", NAME) == [
        "InferenceService",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
    ]
    isvc = obj(example(), "dev", NAME, "InferenceService")
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
    pdb = obj(example(), "dev", NAME, "PodDisruptionBudget")
    assert pdb["spec"]["selector"] == {"matchLabels": SELECTOR}


def test_the_deployment_mode_is_the_environments_never_the_clusters_default() -> None:
    annotations = {env: obj(example(), env, NAME, "InferenceService")["metadata"]["annotations"] for env in ENVS}
    modes = {env: found["serving.kserve.io/deploymentMode"] for env, found in annotations.items()}
    assert modes == {"dev": "RawDeployment", "staging": "RawDeployment", "prod": "Serverless"}
    # Knative's own autoscaler scales on concurrency or rps: a cpu scaleMetric needs its HPA class.
    classes = {env: found.get("autoscaling.knative.dev/class") for env, found in annotations.items()}
    assert classes == {"dev": None, "staging": None, "prod": "hpa.autoscaling.knative.dev"}


def test_a_canary_in_raw_deployment_names_the_field_and_the_capability(example: Path) -> None:
    edit(example / "environments/prod.yaml", "deploymentMode: Serverless", "deploymentMode: RawDeployment")
    found = [f for f in findings(example) if "Serverless deployment mode" in f]
    assert len(found) == 1
    assert found[0].startswith("releases/distilbert-sentiment.yaml:40:9: spec.rollout.strategy: ")
    assert "spec.cluster.capabilities.kserve.deploymentMode: RawDeployment" in found[0]
    assert found[0].endswith("(in prod)")


def test_serverless_admits_the_gateway_and_the_activator_on_queue_proxy_only() -> None:
    rules = obj(example(), "prod", NAME, "NetworkPolicy")["spec"]["ingress"]
    queue_proxy = [{"port": 8012, "protocol": "TCP"}, {"port": 8013, "protocol": "TCP"}]
    assert rules == [
        {"from": [_namespace("inference-gateway"), _knative("activator")], "ports": queue_proxy},
        {"from": [_knative("autoscaler")], "ports": [{"port": 9090, "protocol": "TCP"}]},
        {"from": [_namespace("monitoring")], "ports": [{"port": 9088, "protocol": "TCP"}]},
    ]


def test_the_knative_namespace_is_the_environments(example: Path) -> None:
    edit(
        example / "environments/prod.yaml",
        "        deploymentMode: Serverless",
        "        knativeNamespace: serving-system\n        deploymentMode: Serverless",
    )
    rules = obj(render(example), "prod", NAME, "NetworkPolicy")["spec"]["ingress"]
    peers = [peer for rule in rules for peer in rule["from"] if "podSelector" in peer]
    assert {p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in peers} == {"serving-system"}


def test_raw_deployment_metrics_come_from_the_model_server_port() -> None:
    rules = obj(example(), "dev", NAME, "NetworkPolicy")["spec"]["ingress"]
    assert rules == [
        {"from": [_namespace("ingress-nginx")]},  # the runtime's ports, which KServe picks
        {"from": [_namespace("monitoring")], "ports": [{"port": 8080, "protocol": "TCP"}]},
    ]
    service = obj(example(), "dev", NAME, "Service", f"{NAME}-metrics")
    assert service["spec"]["ports"] == [{"name": "metrics", "port": 8080, "targetPort": 8080, "protocol": "TCP"}]
    annotations = obj(example(), "dev", NAME, "InferenceService")["spec"]["predictor"]["annotations"]
    assert not [key for key in annotations if key.startswith("serving.kserve.io/")]  # no queue-proxy to aggregate


def test_serverless_metrics_are_aggregated_by_queue_proxy_and_scraped_by_a_service_monitor() -> None:
    predictor = obj(example(), "prod", NAME, "InferenceService")["spec"]["predictor"]
    assert predictor["annotations"]["serving.kserve.io/enable-metric-aggregation"] == "true"
    assert predictor["annotations"]["serving.kserve.io/enable-prometheus-scraping"] == "false"
    service = obj(example(), "prod", NAME, "Service", f"{NAME}-metrics")
    assert service["spec"]["clusterIP"] == "None" and service["spec"]["selector"] == SELECTOR
    assert service["spec"]["ports"] == [{"name": "aggr-metric", "port": 9088, "targetPort": 9088, "protocol": "TCP"}]
    assert service["metadata"]["labels"]["modelops.io/service-role"] == "metrics"
    monitor = obj(example(), "prod", NAME, "ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"  # the operator's selector
    assert monitor["spec"]["selector"] == {"matchLabels": {**SELECTOR, "modelops.io/service-role": "metrics"}}
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["podTargetLabels"] == ["serving.knative.dev/revision"]
    assert monitor["spec"]["endpoints"] == [
        {"port": "aggr-metric", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}
    ]


def test_the_storage_initializer_reads_the_environments_secret_through_the_predictor_service_account() -> None:
    predictor = obj(example(), "prod", NAME, "InferenceService")["spec"]["predictor"]
    account = obj(example(), "prod", NAME, "ServiceAccount", predictor["serviceAccountName"])
    assert account["secrets"] == [{"name": "model-store-readonly"}]  # spec.artifacts.credentialsSecret
    assert account["automountServiceAccountToken"] is False
    assert set(account["metadata"]["annotations"]) == {"argocd.argoproj.io/sync-wave"}


def test_workload_identity_replaces_the_secret(example: Path) -> None:
    edit(
        example / "environments/prod.yaml",
        "    credentialsSecret: model-store-readonly\n",
        "    credentialsSecret: model-store-readonly\n"
        "    storageInitializer:\n"
        "      awsRoleArn: arn:aws:iam::123456789012:role/model-store-readonly\n"
        "      s3:\n"
        "        endpoint: s3.eu-west-1.amazonaws.com\n"
        "        region: eu-west-1\n"
        "        useHttps: true\n",
    )
    edit(
        example / "environments/staging.yaml",
        "    credentialsSecret: model-store-readonly\n",
        "    credentialsSecret: model-store-readonly\n"
        "    storageInitializer:\n"
        "      gcpServiceAccount: model-store@acme-models.iam.gserviceaccount.com\n",
    )
    objects = render(example)
    prod = obj(objects, "prod", NAME, "ServiceAccount")
    assert "secrets" not in prod
    assert prod["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-wave": "-1",
        "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/model-store-readonly",
        "serving.kserve.io/s3-endpoint": "s3.eu-west-1.amazonaws.com",
        "serving.kserve.io/s3-region": "eu-west-1",
        "serving.kserve.io/s3-usehttps": "1",
    }
    staging = obj(objects, "staging", NAME, "ServiceAccount")
    assert "secrets" not in staging
    assert staging["metadata"]["annotations"]["iam.gke.io/gcp-service-account"] == (
        "model-store@acme-models.iam.gserviceaccount.com"
    )
    # The pods of the other runtimes keep their fetcher's Secret and plain ServiceAccounts.
    assert "secrets" not in obj(objects, "prod", "bge-embeddings", "ServiceAccount")


def test_a_dedicated_storage_initializer_secret_is_named_on_the_service_account(example: Path) -> None:
    edit(
        example / "environments/dev.yaml",
        "    credentialsSecret: model-store-readonly\n",
        "    credentialsSecret: model-store-readonly\n    storageInitializer:\n      secret: kserve-storage\n",
    )
    assert obj(render(example), "dev", NAME, "ServiceAccount")["secrets"] == [{"name": "kserve-storage"}]
