"""Acceptance: drive the `modelops` CLI and assert on exit codes and parsed output."""

from __future__ import annotations

import subprocess
from pathlib import Path

from generator import __version__
from tests.conftest import PROJECT, Runner, edit, modelops_subprocess


def test_render_validate_commit_on_the_example(example_repo: Path, run: Runner) -> None:
    rendered = run(example_repo, "render")
    assert rendered.exit_code == 0, rendered.err
    assert rendered.out.startswith("rendered 18 release deployments in 3 environments: 193 files")
    validated = run(example_repo, "validate")
    assert validated.exit_code == 0
    assert validated.out.strip().endswith("175 resources, 175 valid, 0 invalid; 0 errors, 0 warnings")
    committed = run(example_repo, "commit", "-m", "render the example")
    assert committed.exit_code == 0
    assert committed.out.startswith("committed ")
    again = run(example_repo, "commit")
    assert (again.exit_code, again.out) == (0, "nothing to commit: rendered/ already matches the specs\n")


def test_validate_json_lists_every_resource(example: Path, run: Runner) -> None:
    result = run(example, "validate", "-o", "json")
    assert result.exit_code == 0
    report = result.json()
    assert report["summary"] == {
        "resources": 175,
        "valid": 175,
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
    assert summary["invalid"] == 18 and summary["resources"] == 175
    bad = [d for d in result.json()["diagnostics"] if d["rule"] == "kubernetes-schema"]
    assert bad[0]["file"] == "rendered/dev/bge-embeddings/poddisruptionbudget-bge-embeddings.yaml"
    assert (bad[0]["line"], bad[0]["field"]) == (8, "spec.minReadySeconds")
    assert bad[0]["message"].startswith('unknown field "minReadySeconds"')
    text = run(example, "validate")
    assert (
        "rendered/dev/bge-embeddings/poddisruptionbudget-bge-embeddings.yaml:8:3: spec.minReadySeconds: "
        'unknown field "minReadySeconds"'
    ) in text.out
    assert text.out.strip().endswith("175 resources, 157 valid, 18 invalid; 18 errors, 0 warnings")
    assert run(example, "render").exit_code == 1
    assert not (example / "rendered").exists()


def test_validate_reports_input_errors_as_json(example: Path, run: Runner) -> None:
    edit(example / "releases/bge-embeddings.yaml", "kind: triton", "kind: onnxruntime")
    result = run(example, "validate", "-o", "json")
    assert result.exit_code == 1
    (diag,) = result.json()["diagnostics"]
    assert (diag["file"], diag["line"], diag["field"]) == ("releases/bge-embeddings.yaml", 20, "spec.runtime.kind")


def test_usage_errors_exit_2(example: Path, run: Runner) -> None:
    assert run(example, "render", "--env", "qa").exit_code == 2
    assert run(example, "validate", "-o", "yaml").exit_code == 2
    assert run(example, "no-such-command").exit_code == 2
    missing = run(example / "nope", "render")
    assert missing.exit_code == 2 and "no such directory" in missing.err


def test_render_one_environment(example: Path, run: Runner) -> None:
    result = run(example, "render", "--env", "staging", "-o", "json")
    assert result.exit_code == 0
    assert result.json()["files"] == 63  # 57 manifests and 6 provenance files
    assert sorted(p.name for p in (example / "rendered").iterdir()) == ["staging"]


def test_quiet_no_color_and_version(example: Path, run: Runner) -> None:
    assert run(example, "render", "-q").out == ""
    assert run(example, "-q", "render").out == ""
    forced = run(example, "--color", "validate")
    assert "\x1b[32m" in forced.out
    plain = run(example, "validate")
    assert "\x1b[" not in plain.out
    assert run(None, "--version").out.strip() == f"modelops, version {__version__}"


def test_console_script_never_shows_a_traceback(example: Path) -> None:
    (example / "releases/bge-embeddings.yaml").write_bytes(b"\xff\xfe\x00garbage")
    done = modelops_subprocess(example, "validate")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "releases/bge-embeddings.yaml:1:1: file is UTF-16 encoded; save it as UTF-8" in done.stdout


def test_python_dash_m_works(example: Path) -> None:
    done = subprocess.run(
        ["python", "-m", "generator", "--repo", str(example), "render", "-q"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_check_detects_stale_and_hand_edited_trees(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "check").exit_code == 1  # nothing rendered yet
    run(example_repo, "render")
    assert run(example_repo, "check").exit_code == 0
    hand = example_repo / "rendered/prod/llama3-8b-chat/service-llama3-8b-chat.yaml"
    hand.write_text(hand.read_text().replace("type: ClusterIP", "type: LoadBalancer"))
    result = run(example_repo, "check", "-o", "json")
    assert result.exit_code == 1
    assert result.json()["changed"] == ["rendered/prod/llama3-8b-chat/service-llama3-8b-chat.yaml"]
    text = run(example_repo, "check")
    assert "changed  rendered/prod/llama3-8b-chat/service-llama3-8b-chat.yaml" in text.err


def test_the_projects_own_rendered_tree_is_current(run: Runner) -> None:
    """rendered/ in this repository is the bundled example's output; a template change must re-render it."""
    result = run(PROJECT, "check")
    assert result.exit_code == 0, result.out + result.err
