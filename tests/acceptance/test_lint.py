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
