from __future__ import annotations

from pathlib import Path

from tests.conftest import edit
from tests.render_helpers import findings


def test_undeclared_external_secrets_refuses_the_release_that_renders_one(example: Path) -> None:
    edit(
        example / "environments/prod.yaml",
        "      externalSecrets:\n        apiVersion: external-secrets.io/v1\n"
        "        clusterSecretStore: platform-vault\n",
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
