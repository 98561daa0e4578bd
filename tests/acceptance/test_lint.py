from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Runner, edit


def test_lint_only_the_given_files(example: Path, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(example)
    edit(example / "releases/bge-embeddings.yaml", "kind: triton", "kind: tritonn")
    assert run(example, "lint", "releases/llama3-8b-chat.yaml").exit_code == 0
    result = run(example, "lint", "releases/bge-embeddings.yaml", "releases/llama3-8b-chat.yaml")
    assert result.exit_code == 1
    assert result.err.startswith("releases/bge-embeddings.yaml:20:5: spec.runtime.kind: ")
    assert run(example, "lint").exit_code == 1  # no files: everything


def test_lint_reports_cross_field_errors_once(example: Path, run: Runner) -> None:
    edit(example / "releases/llama3-70b-instruct.yaml", "tensorParallelSize: 4", "tensorParallelSize: 2")
    result = run(example, "lint", str(example / "releases/llama3-70b-instruct.yaml"), "-o", "json")
    assert result.exit_code == 1
    (diag,) = result.json()["diagnostics"]
    assert diag["message"] == (
        "tensorParallelSize 2 must equal the GPU count 4 (resources.gpu.count) (in dev, staging, prod)"
    )
    assert (diag["line"], diag["field"]) == (23, "spec.runtime.args.tensorParallelSize")


def test_lint_refuses_files_outside_the_repository(example: Path, tmp_path: Path, run: Runner) -> None:
    assert run(example, "lint", str(tmp_path / "elsewhere.yaml")).exit_code == 2


def test_lint_a_directory_checks_the_specs_inside_it(
    example: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(example)
    (example / "releases/team-a").mkdir()
    (example / "releases/bge-embeddings.yaml").rename(example / "releases/team-a/bge-embeddings.yaml")
    everything = run(example, "lint", "releases")
    assert everything.exit_code == 0, everything.err
    assert everything.out.startswith("ok: 13 files checked, ")  # 6 specs, 3 environments, 4 policy files
    assert run(example, "lint", "releases/team-a").out.startswith("ok: 8 files checked, ")
    assert run(example, "lint", ".").out.startswith("ok: 13 files checked, ")

    edit(example / "releases/team-a/bge-embeddings.yaml", "kind: triton", "kind: tritonn")
    for target in ("releases", "releases/team-a", "."):
        result = run(example, "lint", target)
        assert result.exit_code == 1, target
        assert result.err.startswith("releases/team-a/bge-embeddings.yaml:20:5: spec.runtime.kind: ")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("README.md", "README.md: not a release spec, environment or policy file; modelops lint checks those"),
        (
            "releases/.gitkeep",
            "releases/.gitkeep: not a release spec, environment or policy file; modelops lint checks",
        ),
        ("releases/gone.yaml", "releases/gone.yaml: no such file; modelops lint checks those"),
        ("templates", "templates: no release specs, environment or policy files in this directory"),
    ],
)
def test_lint_of_something_it_does_not_check_is_a_usage_error(
    example: Path, run: Runner, monkeypatch: pytest.MonkeyPatch, target: str, message: str
) -> None:
    monkeypatch.chdir(example)
    (example / "README.md").write_text("# GitOps\n", encoding="utf-8")
    (example / "releases/.gitkeep").write_text("", encoding="utf-8")
    (example / "templates").mkdir()
    result = run(example, "lint", target)
    assert result.exit_code == 2
    assert message in result.err
    assert "ok:" not in result.out


def test_lint_of_an_environment_or_policy_file_counts_what_it_checked(
    example: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(example)
    for target in ("environments/prod.yaml", "policies/security.yaml", "environments"):
        result = run(example, "lint", target)
        assert result.exit_code == 0, result.err
        assert result.out.startswith("ok: 7 files checked, "), target  # the environments and policies, no spec
