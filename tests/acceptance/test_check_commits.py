"""`modelops check --commits` and the commit-msg hook: every commit that changes rendered/ carries the trailers.

Real repositories; the hook runs through the real `pre-commit`, installed as `modelops init`'s
configuration says, in a repository `init` made.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator import __version__
from tests.conftest import Runner, edit, git

LLAMA = "llama3-8b-chat"
STAMP = [f"Rendered-By: modelops {__version__}", "Modelops-Command: manual"]


def trailers(repo: Path, rev: str = "HEAD") -> list[str]:
    return git(repo, "log", "-1", "--format=%(trailers:only,unfold)", rev).splitlines()


@pytest.fixture
def rendered(example_repo: Path, run: Runner) -> tuple[Path, str]:
    """The example with its render committed by `modelops commit`; the specs commit is the base."""
    base = git(example_repo, "rev-parse", "HEAD")
    assert run(example_repo, "commit", "-m", "render").exit_code == 0
    return example_repo, base


def test_a_hand_commit_of_rendered_is_reported_and_modelops_commits_are_not(
    rendered: tuple[Path, str], run: Runner
) -> None:
    repo, base = rendered
    assert run(repo, "check", "--commits", f"{base}..HEAD").exit_code == 0
    assert run(repo, "promote", LLAMA, "--from", "staging", "--to", "prod", "--commit").exit_code == 0
    passed = run(repo, "check", "--commits", f"{base}..HEAD")
    assert passed.exit_code == 0, passed.err
    assert passed.out.strip() == f"{base}..HEAD: 2 commits change rendered/, with the modelops trailers"

    edit(repo / f"releases/{LLAMA}.yaml", "    maxReplicas: 3\n", "    maxReplicas: 4\n")
    assert run(repo, "render", "-q").exit_code == 0
    git(repo, "commit", "-q", "-am", "llama: scale to 4")
    hand = git(repo, "rev-parse", "HEAD")
    git(repo, "commit", "-q", "--allow-empty", "-m", "nothing rendered")
    failed = run(repo, "check", "--commits", f"{base}..HEAD")
    assert failed.exit_code == 1
    lines = failed.err.splitlines()
    assert lines[0] == f"{base}..HEAD: 1 of 3 commits that change rendered/ lacks the modelops trailers:"
    assert lines[1] == f"  {hand[:12]} llama: scale to 4: no Rendered-By, no Source-Commit or Modelops-Command"
    assert lines[2].startswith("fix: add them: `git commit --amend --no-edit --trailer")
    assert "modelops commit" in lines[2] and "pre-commit install --hook-type commit-msg" in lines[2]

    report = run(repo, "check", "--commits", f"{base}..HEAD", "-o", "json")
    assert report.exit_code == 1
    assert report.json() == {
        "ok": False,
        "range": f"{base}..HEAD",
        "checked": 3,
        "offenders": [
            {
                "commit": hand,
                "subject": "llama: scale to 4",
                "missing": ["Rendered-By", "Source-Commit or Modelops-Command"],
            }
        ],
    }

    # The fix the message gives works, and the amended commit is a manual change in history.
    git(repo, "checkout", "-q", "HEAD~1")
    git(repo, "commit", "-q", "--amend", "--no-edit", "--trailer", STAMP[0], "--trailer", STAMP[1])
    assert run(repo, "check", "--commits", f"{base}..HEAD").exit_code == 0


def test_a_bad_range_is_a_clear_error(rendered: tuple[Path, str], run: Runner, tmp_path: Path) -> None:
    repo, _ = rendered
    unknown = run(repo, "check", "--commits", "origin/main..HEAD")
    assert unknown.exit_code == 3
    assert unknown.err.strip() == "modelops: --commits origin/main..HEAD: unknown git revision 'origin/main'"
    usage = run(repo, "check", "--commits", "--all")
    assert usage.exit_code == 2 and "expected a revision range such as origin/main..HEAD" in usage.err
    both = run(repo, "check", "--commits", "HEAD", "--commit-msg", str(tmp_path / "msg"))
    assert both.exit_code == 2 and "cannot be combined" in both.err
    assert "Traceback" not in unknown.err + usage.err + both.err
    (tmp_path / "plain").mkdir()
    outside = run(tmp_path / "plain", "check", "--commits", "HEAD~1..HEAD")
    assert outside.exit_code == 3 and "is not a git repository" in outside.err


def test_the_commit_msg_hook_of_a_new_repository_stamps_a_hand_commit(tmp_path: Path, run: Runner) -> None:
    repo = tmp_path / "model-gitops"
    assert run(None, "init", str(repo)).exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Start the GitOps repository")
    assert run(repo, "commit", "-m", "first render").exit_code == 0
    base = git(repo, "rev-parse", "HEAD")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # this modelops
    }

    def sh(*args: str) -> subprocess.CompletedProcess[str]:
        """stdout and stderr together, as a terminal shows them (git prints the hooks' output on stderr)."""
        done = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
        return subprocess.CompletedProcess(args, done.returncode, done.stdout + done.stderr, "")

    installed = sh("pre-commit", "install")  # default_install_hook_types: both hooks
    assert installed.returncode == 0, installed.stderr
    assert (repo / ".git/hooks/pre-commit").is_file() and (repo / ".git/hooks/commit-msg").is_file()

    # A spec edited without its render: the pre-commit hook refuses, before any message is written.
    edit(repo / "releases/text-classifier.yaml", "maxReplicas: 4", "maxReplicas: 5")
    git(repo, "add", "-A")
    refused = sh("git", "commit", "-m", "forgot to render")
    assert refused.returncode != 0 and "rendered/ is out of date" in refused.stdout
    assert git(repo, "rev-parse", "HEAD") == base

    # Rendered and staged: the check passes and the commit-msg hook adds the trailers.
    assert run(repo, "render", "-q").exit_code == 0
    git(repo, "add", "-A")
    done = sh("git", "commit", "-m", "x")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "modelops commit trailers (a hand commit of rendered/)" in done.stdout
    assert git(repo, "log", "-1", "--format=%B") == "x\n\n" + "\n".join(STAMP)
    assert run(repo, "check", "--commits", f"{base}..HEAD").exit_code == 0

    # History lists it as made by hand; provenance takes it as its own source (specs and render together).
    [entry] = [e for e in run(repo, "history", "--env", "dev", "-o", "json").json() if e["commit"] != base]
    assert entry["command"] == "manual" and entry["recorded"] is True
    assert entry["changed"] == ["maxReplicas"]
    [trace] = run(repo, "provenance", "text-classifier", "--env", "dev", "-o", "json").json()["releases"]
    assert trace["sourceCommit"] == trace["renderedCommit"] == git(repo, "rev-parse", "HEAD")
    assert trace["inputsVerified"] is True

    # A commit that leaves rendered/ alone keeps its message as written.
    (repo / "README.md").write_text("notes\n", encoding="utf-8")
    git(repo, "add", "-A")
    assert sh("git", "commit", "-m", "docs").returncode == 0
    assert git(repo, "log", "-1", "--format=%B") == "docs"
