"""The shipped hooks, run by the real `pre-commit` from a consumer repository.

pre-commit clones this project (a git copy of the current files, so uncommitted work is
what gets tested: the `hook_repo` fixture in tests/conftest.py), installs it into its own
virtualenv and runs the hooks on `git commit`.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import copy_example, edit, git, init_repo, modelops_subprocess, write

Consumer = Callable[..., Path]


@pytest.fixture
def make_consumer(
    tmp_path: Path,
    hook_repo: tuple[Path, str],
    pre_commit_home: Path,
    pip_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Consumer:
    """make_consumer("modelops-lint", ...): the example, rendered and committed, with only those hooks installed."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    monkeypatch.setenv("PIP_CACHE_DIR", str(pip_cache))

    def make(*hooks: str) -> Path:
        repo = init_repo(copy_example(tmp_path / "consumer"))
        path, rev = hook_repo
        listed = "".join(f"      - id: {hook}\n" for hook in hooks)
        write(repo / ".pre-commit-config.yaml", f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n{listed}")
        assert modelops_subprocess(repo, "render").returncode == 0
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--no-verify", "-m", "initial")
        subprocess.run(
            ["pre-commit", "install", "--install-hooks"], cwd=repo, check=True, capture_output=True, timeout=900
        )
        return repo

    return make


@pytest.fixture
def consumer(make_consumer: Consumer) -> Path:
    return make_consumer("modelops-lint", "modelops-check")


def hook_results(output: str) -> dict[str, str]:
    """Each hook's name and what pre-commit reported for it (Passed, Failed, Skipped)."""
    found = re.findall(r"^(modelops [^\n]*?)\.{3,}(?:\([^)]*\))?(Passed|Failed|Skipped)$", output, re.MULTILINE)
    return dict(found)


LINT = "modelops lint (release specs and environments)"
CHECK = "modelops check (rendered/ is current)"
TYPO = (
    'releases/toxicity-classifier.yaml:28:5: spec.scaling.minReplica: unknown field "minReplica" '
    '(did you mean "minReplicas"?)'
)


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
    assert hook_results(output) == {LINT: "Passed", CHECK: "Passed"}
    assert git(consumer, "log", "-1", "--format=%s") == "toxicity: scale to 8"


def test_bad_spec_is_blocked_with_file_and_line(consumer: Path) -> None:
    edit(consumer / "releases/toxicity-classifier.yaml", "    minReplicas: 1\n", "    minReplica: 1\n")
    code, output = commit(consumer, "typo")
    assert code != 0
    assert hook_results(output)[LINT] == "Failed"  # the lint hook itself, not only the check after it
    assert TYPO in output
    assert git(consumer, "log", "-1", "--format=%s") == "initial"


def test_lint_alone_blocks_a_bad_spec(make_consumer: Consumer) -> None:
    """Only modelops-lint configured: nothing else could stop the commit."""
    repo = make_consumer("modelops-lint")
    edit(repo / "releases/toxicity-classifier.yaml", "    minReplicas: 1\n", "    minReplica: 1\n")
    code, output = commit(repo, "typo")
    assert code != 0
    assert hook_results(output) == {LINT: "Failed"}
    assert TYPO in output
    assert git(repo, "log", "-1", "--format=%s") == "initial"


def test_lint_alone_lets_a_good_spec_through(make_consumer: Consumer) -> None:
    repo = make_consumer("modelops-lint")
    edit(repo / "releases/toxicity-classifier.yaml", "maxReplicas: 6", "maxReplicas: 8")
    code, output = commit(repo, "toxicity: scale to 8")
    assert code == 0, output
    assert hook_results(output) == {LINT: "Passed"}


def test_spec_change_without_render_is_blocked_by_check(consumer: Path) -> None:
    edit(consumer / "releases/toxicity-classifier.yaml", "maxReplicas: 6", "maxReplicas: 8")
    code, output = commit(consumer, "forgot to render")
    assert code != 0
    assert hook_results(output) == {LINT: "Passed", CHECK: "Failed"}
    assert "rendered/ is out of date" in output
    assert "changed  rendered/dev/toxicity-classifier/manifest.yaml" in output
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


def test_the_commit_msg_hook_stamps_a_hand_commit_of_rendered(make_consumer: Consumer) -> None:
    repo = make_consumer("modelops-lint", "modelops-check", "modelops-commit-trailers")
    subprocess.run(
        ["pre-commit", "install", "--hook-type", "commit-msg"], cwd=repo, check=True, capture_output=True, timeout=900
    )
    base = git(repo, "rev-parse", "HEAD")
    edit(repo / "releases/toxicity-classifier.yaml", "maxReplicas: 6", "maxReplicas: 8")
    assert modelops_subprocess(repo, "render").returncode == 0
    code, output = commit(repo, "toxicity: scale to 8")
    assert code == 0, output
    assert hook_results(output)["modelops commit trailers (a hand commit of rendered/)"] == "Passed"
    assert git(repo, "log", "-1", "--format=%(trailers:only,unfold)").splitlines()[1] == "Modelops-Command: manual"
    assert modelops_subprocess(repo, "check", "--commits", f"{base}..HEAD").returncode == 0
    # A commit of something else keeps its message.
    write(repo / "NOTES.md", "notes\n")
    assert commit(repo, "notes")[0] == 0
    assert git(repo, "log", "-1", "--format=%B") == "notes"
