from __future__ import annotations

from pathlib import Path

from tests.conftest import Runner, edit


def test_requirements_prints_a_table_per_environment(example: Path, run: Runner) -> None:
    result = run(example, "requirements")
    assert result.exit_code == 0, result.err
    text = result.out
    assert text.index("dev (https://dev-gpu.k8s.example.com):") < text.index("prod (https://prod-gpu.k8s.example.com):")
    prod = text[text.index("prod (") :]
    lines = prod.splitlines()
    assert lines[1].split() == ["component", "needed", "by", "declared", "install"]
    rollouts = next(line for line in lines if line.startswith("  Argo Rollouts "))
    assert "AnalysisTemplate x4, Rollout x5; 5 releases" in rollouts
    assert "1.7 trafficRouter=gatewayAPI name=inference-gateway namespace=inference-gateway" in rollouts
    plugin = next(line for line in lines if line.startswith("  Argo Rollouts Gateway API plugin "))
    assert "Rollout (trafficRouting.plugins) x3; 3 releases" in plugin and "argo-rollouts-config" in plugin
    gateway = next(line for line in lines if line.split()[:2] == ["Gateway", "inference-gateway"])
    assert gateway.split()[:3] == ["Gateway", "inference-gateway", "inference-gateway"]
    assert rollouts.endswith("helm install argo-rollouts argo/argo-rollouts -n argo-rollouts --create-namespace")
    adapter = next(line for line in lines if line.startswith("  prometheus-adapter "))
    assert (
        "HorizontalPodAutoscaler (Pods metric) x2; 2 releases" in adapter
        and "declared metrics=prometheus-adapter" in adapter
    )
    assert "  referenced, not rendered:" in lines
    priority = next(line for line in lines if line.startswith("  PriorityClass "))
    assert priority.split()[:3] == ["PriorityClass", "model-serving-critical", "-"]
    assert "note: ClusterSecretStore/vault-backend: " not in prod  # the store the environment declares


def test_requirements_json_has_stable_fields(example: Path, run: Runner) -> None:
    result = run(example, "requirements", "--env", "prod", "-o", "json")
    assert result.exit_code == 0, result.err
    (prod,) = result.json()["environments"]
    assert set(prod) == {"environment", "cluster", "components", "references"}
    kserve = next(c for c in prod["components"] if c["component"] == "KServe")
    assert kserve == {
        "component": "KServe",
        "capability": "kserve",
        "declared": True,
        "version": "0.13",
        "settings": {"deploymentMode": "Serverless"},
        "neededBy": [
            {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "feature": None, "count": 1}
        ],
        "releases": ["distilbert-sentiment"],
        "install": "helm install kserve-crd oci://ghcr.io/kserve/charts/kserve-crd && "
        "helm install kserve oci://ghcr.io/kserve/charts/kserve -n kserve --create-namespace",
    }
    store = next(r for r in prod["references"] if r["name"] == "vault-backend")
    assert set(store) == {"kind", "name", "namespace", "fields", "releases", "create", "note"}
    assert (store["kind"], store["namespace"]) == ("ClusterSecretStore", None)
    assert len(store["releases"]) == 6  # every release reads the Secret of the environment's ExternalSecret


def test_an_undeclared_capability_is_a_row_not_a_stop(example: Path, run: Runner) -> None:
    text = (example / "environments/prod.yaml").read_text()
    start, end = text.index("      argoRollouts:\n"), text.index("      kserve:\n")
    (example / "environments/prod.yaml").write_text(text[:start] + text[end:])
    result = run(example, "requirements", "--env", "prod", "-o", "json")
    assert result.exit_code == 0, result.err
    rollouts = next(c for c in result.json()["environments"][0]["components"] if c["component"] == "Argo Rollouts")
    assert (rollouts["declared"], rollouts["version"]) == (False, None)
    assert run(example, "validate").exit_code == 1  # and validate refuses it


def test_unknown_environment_is_a_usage_error_naming_the_known_ones(example: Path, run: Runner) -> None:
    result = run(example, "requirements", "--env", "qa")
    assert result.exit_code == 2
    assert "unknown environment 'qa'; environments/ defines: dev, staging, prod" in result.err
    assert result.out == ""


def test_bad_input_is_an_error_with_its_location(example: Path, run: Runner) -> None:
    edit(example / "environments/prod.yaml", "namespace: models-prod", "namespace: Models_Prod")
    result = run(example, "requirements", "-o", "json")
    assert result.exit_code == 1
    assert "environments/prod.yaml:" in result.err and "spec.namespace" in result.err
    assert "Traceback" not in result.err and result.out == ""
