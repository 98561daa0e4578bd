"""The shipped hooks, run by the real `pre-commit` from a consumer repository.

pre-commit clones this project (a git copy of the current files, so uncommitted work is
what gets tested), installs it into its own virtualenv and runs the hooks on `git commit`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT, copy_example, edit, git, init_repo, modelops_subprocess, write

REAL_HOME = Path.home()  # read before the autouse fixture points HOME at a temporary directory


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    dest = tmp_path_factory.mktemp("hooks") / "modelops"
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=PROJECT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        if (PROJECT / rel).is_file() and not rel.startswith("rendered/"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT / rel, dest / rel)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e.x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e.x",
        "HOME": str(dest.parent),
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "hooks under test"]):
        subprocess.run(["git", *args], cwd=dest, check=True, env=env, capture_output=True)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=dest, check=True, env=env, capture_output=True, text=True
    ).stdout.strip()
    return dest, rev


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def consumer(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    monkeypatch.setenv("PIP_CACHE_DIR", str(REAL_HOME / ".cache" / "pip"))
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
