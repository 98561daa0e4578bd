"""`modelops validate` on a repository: every rendered resource checked, findings on the lines to fix."""

from __future__ import annotations

from pathlib import Path

from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from tests.conftest import Runner, edit
from tests.render_helpers import findings


def test_validate_json_lists_every_resource(example: Path, run: Runner) -> None:
    result = run(example, "validate", "-o", "json")
    assert result.exit_code == 0
    report = result.json()
    assert report["summary"] == {
        "resources": 210,  # KServe metrics, PrometheusRules, blue-green smoke tests, shared secrets
        "valid": 210,
        "invalid": 0,
        "errors": 0,
        "warnings": 0,
        "infos": report["summary"]["infos"],
    }
    kinds = {r["kind"] for r in report["resources"]}
    assert {"Deployment", "Rollout", "InferenceService", "Application", "AppProject"} <= kinds
    assert {(row["environment"], row["gpuType"]) for row in report["capacity"]} >= {("prod", "nvidia-h100")}


def test_invalid_manifest_names_file_line_and_path(example: Path, run: Runner) -> None:
    # A template override that writes a string where Kubernetes wants an integer.
    (example / "templates/release").mkdir(parents=True)
    (example / "templates/release/pdb.yaml.j2").write_text(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {{ names.workload }}\n"
        "  namespace: {{ env.namespace }}\nspec:\n  maxUnavailable: 1\n  minReadySeconds: 5\n"
        "  selector:\n    matchLabels: {{ selector }}\n"
    )
    result = run(example, "validate", "-o", "json")
    assert result.exit_code == 1
    summary = result.json()["summary"]
    assert summary["invalid"] == 18 and summary["resources"] == 210
    bad = [d for d in result.json()["diagnostics"] if d["rule"] == "kubernetes-schema"]
    assert bad[0]["file"] == "rendered/dev/bge-embeddings/manifest.yaml"
    line = bad[0]["line"]  # in the unit's manifest, where the template's 8th line landed
    written = compose.build(WorkTree(example), cache=None).tree.files()[bad[0]["file"]].decode().splitlines()
    assert (written[line - 1], bad[0]["column"], bad[0]["field"]) == ("  minReadySeconds: 5", 3, "spec.minReadySeconds")
    assert bad[0]["message"].startswith('unknown field "minReadySeconds"')
    text = run(example, "validate")
    assert (
        f"rendered/dev/bge-embeddings/manifest.yaml:{line}:3: spec.minReadySeconds: "
        'unknown field "minReadySeconds"'
    ) in text.out
    assert text.out.strip().endswith("210 resources, 192 valid, 18 invalid; 18 errors, 0 warnings")
    assert run(example, "render").exit_code == 1
    assert not (example / "rendered").exists()


def test_validate_reports_input_errors_as_json(example: Path, run: Runner) -> None:
    edit(example / "releases/bge-embeddings.yaml", "kind: triton", "kind: onnxruntime")
    result = run(example, "validate", "-o", "json")
    assert result.exit_code == 1
    (diag,) = result.json()["diagnostics"]
    assert (diag["file"], diag["line"], diag["field"]) == ("releases/bge-embeddings.yaml", 20, "spec.runtime.kind")


def test_bad_thresholds_are_one_clear_line(example: Path, run: Runner) -> None:
    edit(example / "releases/llama3-8b-chat.yaml", "            enabled: true\n", "            maxErrorRate: 5\n")
    result = run(example, "validate")
    assert result.exit_code == 1 and "Traceback" not in result.err + result.out
    (line,) = [f for f in findings(example) if "maxErrorRate" in f]
    assert line == (
        "releases/llama3-8b-chat.yaml:70:13: spec.environments.prod.rollout.canary.analysis.maxErrorRate: "
        "5 is out of range; must be less than 1"
    )
