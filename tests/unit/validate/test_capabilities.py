from __future__ import annotations

from pathlib import Path

from tests.conftest import add_release_secret, drop_shared_secrets, edit
from tests.render_helpers import findings


def test_undeclared_external_secrets_refuses_the_release_that_renders_one(example: Path) -> None:
    add_release_secret(example)
    drop_shared_secrets(example, "prod")  # else the environment file's own secrets are refused first
    edit(
        example / "environments/prod.yaml",
        "      externalSecrets:\n        apiVersion: external-secrets.io/v1\n"
        "        clusterSecretStore: vault-backend\n",
        "",
    )
    found = [f for f in findings(example) if "externalSecrets" in f]
    assert found and all("(in prod)" in f and "spec.secrets" in f for f in found)
    assert any("llama3-70b-instruct" in f for f in found)


def test_canary_analysis_without_service_monitor_selector_is_refused(example: Path) -> None:
    for env in ("dev", "staging", "prod"):
        edit(
            example / f"environments/{env}.yaml",
            "        serviceMonitorSelector:\n          matchLabels:\n            release: kube-prometheus-stack\n",
            "",
        )
        edit(
            example / f"environments/{env}.yaml",
            "    serviceMonitorLabels:\n      release: kube-prometheus-stack\n",
            "",
        )
    found = [f for f in findings(example) if "would pass on no data" in f]
    assert found and all(".analysis.enabled" in f for f in found)


def test_a_queue_metric_needs_a_declared_metrics_pipeline(example: Path) -> None:
    for env in ("dev", "prod"):
        edit(example / f"environments/{env}.yaml", "metrics: prometheus-adapter", "metrics: none")
    edit(example / "environments/staging.yaml", "metrics: keda", "metrics: none")
    found = [f for f in findings(example) if "only a metrics pipeline serves" in f]
    assert found and all(
        "spec.scaling.metric.type" in f and "vllm:num_requests_waiting" in f and "autoscaling.metrics: none" in f
        for f in found
    )
    assert {f.split(":")[0] for f in found} == {"releases/llama3-70b-instruct.yaml", "releases/llama3-8b-chat.yaml"}


def test_a_secret_names_the_store_the_environment_declares(example: Path) -> None:
    add_release_secret(example)
    drop_shared_secrets(example, "prod")
    edit(example / "environments/prod.yaml", "clusterSecretStore: vault-backend", "clusterSecretStore: platform-vault")
    found = [f for f in findings(example) if "ClusterSecretStore" in f]
    assert len(found) == 1
    assert "spec.secrets[0].external.store" in found[0] and "platform-vault" in found[0] and "(in prod)" in found[0]
