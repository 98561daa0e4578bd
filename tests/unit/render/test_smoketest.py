"""The blue-green gate tests something: a smoke-test Job to the preview Service before promotion,
admitted by the NetworkPolicy; without a sample request validate says the gate tests nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.catalog import Severity
from generator.errors import InputError
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.schemas import lookup
from tests.conftest import copy_example, edit
from tests.render_helpers import example as bundled
from tests.render_helpers import obj

CURL = "registry.example.com/mirror/curlimages/curl:8.11.1@sha256:"


def smoke(env: str, release: str, objects: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    return obj(objects or bundled(), env, release, "AnalysisTemplate", f"{release}-smoke-test")


def job(template: dict[str, Any]) -> dict[str, Any]:
    (metric,) = template["spec"]["metrics"]
    assert metric["name"] == "smoke-test" and "count" not in metric and "interval" not in metric  # one measurement
    spec: dict[str, Any] = metric["provider"]["job"]["spec"]
    return spec


def env_of(spec: dict[str, Any]) -> dict[str, str]:
    (container,) = spec["template"]["spec"]["containers"]
    return {e["name"]: e["value"] for e in container["env"]}


def test_declared_request_goes_to_the_preview_service_with_its_bounds() -> None:
    spec = job(smoke("prod", "resnet50-classifier"))
    values = env_of(spec)
    assert (
        values["SMOKE_URL"] == "http://resnet50-classifier-preview.models-prod.svc:8080/predictions/resnet50_classifier"
    )
    assert values["SMOKE_METHOD"] == "POST" and values["SMOKE_EXPECT_STATUS"] == "200"
    assert values["SMOKE_MAX_SECONDS"] == "2"
    assert json.loads(values["SMOKE_BODY"]) == {"data": "https://images.example.com/smoke/sneaker.jpg"}
    assert values["SMOKE_CONTENT_TYPE"] == "application/json"
    assert spec["backoffLimit"] == 0 and spec["activeDeadlineSeconds"] > 2


def test_vllm_gets_a_one_token_request_to_its_served_model() -> None:
    values = env_of(job(smoke("prod", "llama3-70b-instruct")))
    assert values["SMOKE_URL"].endswith("-preview.models-prod.svc:8000/v1/chat/completions")
    body = json.loads(values["SMOKE_BODY"])
    assert body["model"] == "meta-llama/Llama-3.3-70B-Instruct" and body["max_tokens"] == 1


def test_the_job_pod_is_restricted_and_pinned() -> None:
    pod = job(smoke("prod", "llama3-70b-instruct"))["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"].startswith(CURL)
    assert pod["restartPolicy"] == "Never" and pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    sc = container["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["readOnlyRootFilesystem"] is True
    assert container["resources"]["limits"] and container["resources"]["requests"]


def test_the_rollout_runs_it_before_promotion_beside_the_metrics_analysis() -> None:
    gate = obj(bundled(), "prod", "resnet50-classifier", "Rollout")["spec"]["strategy"]["blueGreen"]
    names = [t["templateName"] for t in gate["prePromotionAnalysis"]["templates"]]
    assert names == ["resnet50-classifier-smoke-test", "resnet50-classifier-analysis"]
    gate = obj(bundled(), "prod", "llama3-70b-instruct", "Rollout")["spec"]["strategy"]["blueGreen"]
    assert gate["prePromotionAnalysis"] == {"templates": [{"templateName": "llama3-70b-instruct-smoke-test"}]}


def test_the_network_policy_admits_the_job_pods_on_the_serving_port() -> None:
    template = job(smoke("prod", "llama3-70b-instruct"))["template"]
    labels = template["metadata"]["labels"]
    policy = obj(bundled(), "prod", "llama3-70b-instruct", "NetworkPolicy")
    admitting = [
        rule
        for rule in policy["spec"]["ingress"]
        for peer in rule["from"]
        if "podSelector" in peer and peer["podSelector"]["matchLabels"].items() <= labels.items()
    ]
    assert [r["ports"] for r in admitting] == [[{"port": "http", "protocol": "TCP"}]]
    # Only where there is a smoke test: a canary's policy admits no such pods.
    canary = obj(bundled(), "prod", "llama3-8b-chat", "NetworkPolicy")
    assert not [p for r in canary["spec"]["ingress"] for p in r["from"] if "podSelector" in p]


def test_rendered_templates_match_the_schemas() -> None:
    for key, found in bundled().items():
        if found["kind"] in ("AnalysisTemplate", "Rollout"):
            assert lookup.rendered("1.30").validate(found) == [], key


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
@pytest.mark.parametrize(("answer", "passes"), [("200", True), ("503", False)])
def test_the_script_passes_only_on_the_expected_status(tmp_path: Path, answer: str, passes: bool) -> None:
    """The Job's own script, run by a real shell against a stand-in curl that answers `answer`."""
    (container,) = job(smoke("prod", "resnet50-classifier"))["template"]["spec"]["containers"]
    fake = tmp_path / "bin/curl"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" > "{tmp_path}/args"\nprintf {answer}\n', encoding="utf-8")
    fake.chmod(0o755)
    env = {**env_of({"template": {"spec": {"containers": [container]}}}), "PATH": f"{fake.parent}:/usr/bin:/bin"}
    script = container["command"][2].replace("/tmp/response", str(tmp_path / "response"))
    (tmp_path / "response").write_text("body", encoding="utf-8")
    done = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, check=False)
    assert (done.returncode == 0) is passes, done.stdout + done.stderr
    args = (tmp_path / "args").read_text(encoding="utf-8")
    assert "--max-time 2 --request POST --header Content-Type: application/json --data-raw" in args
    assert args.rstrip().endswith("/predictions/resnet50_classifier")


def test_without_a_sample_request_validate_says_the_gate_tests_nothing(tmp_path: Path) -> None:
    repo = copy_example(tmp_path / "repo")
    edit(repo / "releases/resnet50-classifier.yaml", "          smokeTest:", "          smokeTestX:")
    text = (repo / "releases/resnet50-classifier.yaml").read_text(encoding="utf-8")
    start = text.index("          smokeTestX:")
    end = text.index("          analysis:", start)
    (repo / "releases/resnet50-classifier.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    built = compose.build(WorkTree(repo))
    assert "rendered/prod/resnet50-classifier/analysistemplate-resnet50-classifier-smoke-test" not in built.tree.objects
    _, report = compose.evaluate(WorkTree(repo))
    found = [d for d in report.diagnostics() if d.rule == "MO-REL-005"]
    assert [(d.severity, d.release, d.environment) for d in found] == [
        (Severity.WARNING, "resnet50-classifier", "prod")
    ]
    assert found[0].format().startswith("rendered/prod/resnet50-classifier/manifest.yaml:")
    assert "the blue-green gate tests nothing" in found[0].message


def test_a_declared_request_without_an_image_is_an_error(tmp_path: Path) -> None:
    repo = copy_example(tmp_path / "repo")
    text = (repo / "environments/prod.yaml").read_text(encoding="utf-8")
    (repo / "environments/prod.yaml").write_text(text[: text.index("  smokeTest:")], encoding="utf-8")
    (error,) = compose_errors(repo)
    assert error.format().startswith("releases/resnet50-classifier.yaml:")
    assert error.field == "spec.rollout.blueGreen.smokeTest.path"
    assert "declares no spec.smokeTest.image" in error.message


def compose_errors(repo: Path) -> list[Any]:
    with pytest.raises(InputError) as caught:
        compose.build(WorkTree(repo))
    return list(caught.value.diagnostics)


def test_a_body_without_its_path_is_refused_not_dropped(tmp_path: Path) -> None:
    """Without `path` the runtime's own sample request would be sent, and the body silently lost."""
    repo = copy_example(tmp_path / "repo")
    edit(repo / "releases/resnet50-classifier.yaml", "            path: /predictions/resnet50_classifier", "")
    (error,) = compose_errors(repo)
    assert error.format().startswith("releases/resnet50-classifier.yaml:43:11: ")
    assert error.field.endswith("rollout.blueGreen.smokeTest.path") and "missing required field" in error.message
