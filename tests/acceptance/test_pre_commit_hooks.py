"""The shipped hooks, run by the real `pre-commit` from a consumer repository.

pre-commit clones this project (a git copy of the current files, so uncommitted work is
what gets tested: the `hook_repo` fixture in tests/conftest.py), installs it into its own
virtualenv and runs the hooks on `git commit`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import copy_example, edit, git, init_repo, modelops_subprocess, write


@pytest.fixture
def consumer(
    tmp_path: Path,
    hook_repo: tuple[Path, str],
    pre_commit_home: Path,
    pip_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    monkeypatch.setenv("PIP_CACHE_DIR", str(pip_cache))
    repo = init_repo(copy_example(tmp_path / "consumer"))
    path, rev = hook_repo
    write(
        repo / ".pre-commit-config.yaml",
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n      - id: modelops-lint\n"
        "      - id: modelops-check\n",
    )
    assert modelops_subprocess(repo, "render").returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "initial")
    subprocess.run(["pre-commit", "install", "--install-hooks"], cwd=repo, check=True, capture_output=True, timeout=900)
    return repo


def commit(repo: Path, message: str) -> tuple[int, str]:
    """Exit code and everything git and the hooks printed."""
    git(repo, "add", "-A")
    done = subprocess.run(["git", "commit", "-m", message], cwd=repo, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def test_good_spec_change_is_committed(consumer: Path) -> None:
    edit(consumer / "releases/toxicity-classifier.yaml", "maxReplicas: 6", "maxReplicas: 8")
    assert modelops_subprocess(consumer, "render").returncode == 0
    code, output = commit(consumer, "toxicity: scale to 8")
    assert code == 0, output
    assert "modelops lint (release specs and environments)" in output
    assert output.count("Passed") == 2
    assert git(consumer, "log", "-1", "--format=%s") == "toxicity: scale to 8"


def test_bad_spec_is_blocked_with_file_and_line(consumer: Path) -> None:
    edit(consumer / "releases/toxicity-classifier.yaml", "    minReplicas: 1\n", "    minReplica: 1\n")
    code, output = commit(consumer, "typo")
    assert code != 0
    assert (
        'releases/toxicity-classifier.yaml:28:5: spec.scaling.minReplica: unknown field "minReplica" '
        '(did you mean "minReplicas"?)'
    ) in output
    assert git(consumer, "log", "-1", "--format=%s") == "initial"


def test_spec_change_without_render_is_blocked_by_check(consumer: Path) -> None:
    edit(consumer / "releases/toxicity-classifier.yaml", "maxReplicas: 6", "maxReplicas: 8")
    code, output = commit(consumer, "forgot to render")
    assert code != 0
    assert "rendered/ is out of date" in output
    assert "changed  rendered/dev/toxicity-classifier/horizontalpodautoscaler-toxicity-classifier.yaml" in output
    assert git(consumer, "log", "-1", "--format=%s") == "initial"


def test_the_lint_hook_checks_specs_in_folders(consumer: Path) -> None:
    nested = consumer / "releases/team-a/toxicity-classifier.yml"
    nested.parent.mkdir()
    (consumer / "releases/toxicity-classifier.yaml").rename(nested)
    edit(nested, "    minReplicas: 1\n", "    minReplica: 1\n")
    code, output = commit(consumer, "typo in a team folder")
    assert code != 0
    [lint_line] = [line for line in output.splitlines() if line.startswith("modelops lint (")]
    assert lint_line.endswith("Failed")  # the hook ran on the file, rather than "(no files to check)Skipped"
    assert 'releases/team-a/toxicity-classifier.yml:28:5: spec.scaling.minReplica: unknown field "minReplica"' in output
    assert git(consumer, "log", "-1", "--format=%s") == "initial"
