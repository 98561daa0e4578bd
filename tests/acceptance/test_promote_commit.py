"""promote, rollback and set-version with --commit and --push: the spec edit and its render in one commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Runner, edit, git

LLAMA = "llama3-8b-chat"
SPEC = f"releases/{LLAMA}.yaml"
DIGEST = "sha256:" + "ab" * 32


@pytest.fixture
def rendered(example_repo: Path, run: Runner) -> Path:
    """The example with its rendered tree committed."""
    assert run(example_repo, "commit", "-m", "render").exit_code == 0
    return example_repo


def trailers(repo: Path, rev: str = "HEAD") -> list[str]:
    return git(repo, "log", "-1", "--format=%(trailers:only,unfold)", rev).splitlines()


def changed_files(repo: Path, rev: str = "HEAD") -> list[str]:
    return git(repo, "diff-tree", "--no-commit-id", "--name-only", "-r", rev).splitlines()


def test_promote_commit_makes_one_commit_of_the_spec_and_its_render(rendered: Path, run: Runner) -> None:
    before = git(rendered, "rev-parse", "HEAD")
    result = run(rendered, "promote", LLAMA, "--from", "staging", "--to", "prod", "--commit")
    assert result.exit_code == 0, result.err
    sha = git(rendered, "rev-parse", "HEAD")
    assert git(rendered, "rev-list", f"{before}..HEAD").splitlines() == [sha]
    assert f"committed {sha[:12]} promote {LLAMA} 3.1.1 to prod" in result.out
    assert git(rendered, "log", "-1", "--format=%s") == f"promote {LLAMA} 3.1.1 to prod"
    files = changed_files(rendered)
    assert SPEC in files and f"rendered/prod/{LLAMA}/manifest.yaml" in files
    assert all(f == SPEC or f.startswith("rendered/") for f in files)
    assert "version: 3.1.1" in git(rendered, "show", f"HEAD:{SPEC}").split("    prod:")[1]
    found = trailers(rendered)
    assert f"Model-Release: {LLAMA}@3.1.1" in found and "Environment: prod" in found
    assert any(t.startswith("Rendered-By: modelops ") for t in found)
    assert found[-1] == "Modelops-Command: promote"
    # The commit holds its own specs: nothing is left uncommitted, staged or not, and provenance verifies.
    assert git(rendered, "status", "--porcelain") == ""
    [prod] = run(rendered, "provenance", LLAMA, "--env", "prod", "-o", "json").json()["releases"]
    assert prod["sourceCommit"] == sha and prod["inputsVerified"] is True
    [entry] = run(rendered, "history", LLAMA, "--env", "prod", "-o", "json").json()[:1]
    assert (entry["commit"], entry["command"], entry["recorded"]) == (sha, "promote", True)
    assert run(rendered, "commit").out == "nothing to commit: rendered/ already matches the specs\n"


def test_promote_commit_refuses_other_uncommitted_inputs_and_changes_nothing(rendered: Path, run: Runner) -> None:
    edit(rendered / "environments/dev.yaml", "namespace: models-dev", "namespace: models-dev2")
    spec = (rendered / SPEC).read_bytes()
    head = git(rendered, "rev-parse", "HEAD")
    result = run(rendered, "promote", LLAMA, "--from", "staging", "--to", "prod", "--commit")
    assert result.exit_code == 3
    assert "environments/dev.yaml: uncommitted: modified" in result.err and "commit them first" in result.err
    assert "--allow-dirty" not in result.err  # promote has no such option
    assert (rendered / SPEC).read_bytes() == spec and git(rendered, "rev-parse", "HEAD") == head
    assert git(rendered, "status", "--porcelain") == "M environments/dev.yaml"  # git() strips the line


def test_promote_push_then_another_clone_has_nothing_to_commit(
    rendered: Path, remote: Path, tmp_path: Path, run: Runner
) -> None:
    git(rendered, "push", "-q", "origin", "main")
    result = run(rendered, "promote", LLAMA, "--from", "staging", "--to", "prod", "--push")
    assert result.exit_code == 0, result.err
    assert "pushed to origin/main" in result.out
    assert git(remote, "rev-parse", "main") == git(rendered, "rev-parse", "HEAD")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    again = run(other, "commit", "--push")
    assert again.exit_code == 0, again.err
    assert again.out.startswith("nothing to commit: rendered/ already matches the specs\n")
    assert git(remote, "log", "-1", "--format=%s", "main") == f"promote {LLAMA} 3.1.1 to prod"


def test_a_rejected_promote_push_is_done_again_on_top(
    rendered: Path, remote: Path, tmp_path: Path, run: Runner
) -> None:
    git(rendered, "push", "-q", "origin", "main")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    edit(other / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 5")
    git(other, "commit", "-qam", "bge: scale to 5")
    assert run(other, "commit", "--push").exit_code == 0
    result = run(rendered, "promote", LLAMA, "--from", "staging", "--to", "prod", "--push")
    assert result.exit_code == 0, result.err
    assert "push rejected" in result.out and "doing the promote again on top of them" in result.out
    subjects = git(remote, "log", "--format=%s", "main").splitlines()
    assert subjects[:3] == [f"promote {LLAMA} 3.1.1 to prod", "render bge-embeddings (dev, staging)", "bge: scale to 5"]
    # One promote commit on the remote, rendered from both writers' specs.
    assert subjects.count(f"promote {LLAMA} 3.1.1 to prod") == 1
    assert "maxReplicas: 5" in git(remote, "show", "main:rendered/dev/bge-embeddings/manifest.yaml")
    assert run(other, "commit").exit_code == 0 and git(rendered, "status", "--porcelain") == ""


def test_rollback_commit(rendered: Path, run: Runner) -> None:
    assert run(rendered, "promote", LLAMA, "--from", "staging", "--to", "prod", "--commit").exit_code == 0
    promoted = git(rendered, "rev-parse", "HEAD")
    result = run(rendered, "rollback", LLAMA, "--env", "prod", "--commit")
    assert result.exit_code == 0, result.err
    assert git(rendered, "rev-list", f"{promoted}..HEAD").splitlines() == [git(rendered, "rev-parse", "HEAD")]
    assert git(rendered, "log", "-1", "--format=%s") == f"rollback {LLAMA} in prod to 3.1.0"
    assert SPEC in changed_files(rendered) and f"rendered/prod/{LLAMA}/manifest.yaml" in changed_files(rendered)
    found = trailers(rendered)
    assert f"Model-Release: {LLAMA}@3.1.0" in found and found[-1] == "Modelops-Command: rollback"
    assert git(rendered, "status", "--porcelain") == ""


def test_set_version_commit(rendered: Path, run: Runner) -> None:
    uri = "s3://models/meta-llama/llama-3.1-8b-instruct/3.2.0/"
    result = run(rendered, "set-version", LLAMA, "--version", "3.2.0", "--uri", uri, "--digest", DIGEST, "--commit")
    assert result.exit_code == 0, result.err
    assert git(rendered, "log", "-1", "--format=%s") == f"set-version {LLAMA} 3.2.0 in dev"
    files = changed_files(rendered)
    assert SPEC in files and f"rendered/dev/{LLAMA}/manifest.yaml" in files
    assert f"rendered/prod/{LLAMA}/manifest.yaml" not in files  # later stages keep what they run
    found = trailers(rendered)
    assert f"Model-Release: {LLAMA}@3.2.0" in found and "Environment: dev" in found
    assert found[-1] == "Modelops-Command: set-version"
    assert git(rendered, "status", "--porcelain") == ""


def test_without_commit_the_user_is_told_how_to_commit(rendered: Path, run: Runner) -> None:
    result = run(rendered, "promote", LLAMA, "--from", "staging", "--to", "prod")
    assert result.exit_code == 0, result.err
    assert f"then `git commit {SPEC}` and `modelops commit`" in result.out
    assert git(rendered, "log", "-1", "--format=%s") == "render"
