"""`modelops commit`: render, validate and commit the example; a second commit finds nothing to do."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Runner, add_fleet, copy_example, edit, git


def test_render_validate_commit_on_the_example(example_repo: Path, run: Runner) -> None:
    rendered = run(example_repo, "render")
    assert rendered.exit_code == 0, rendered.err
    assert rendered.out.startswith("rendered 18 release deployments in 3 environments: 66 files")
    validated = run(example_repo, "validate")
    assert validated.exit_code == 0
    assert validated.out.strip().endswith("210 resources, 210 valid, 0 invalid; 0 errors, 0 warnings")
    committed = run(example_repo, "commit", "-m", "render the example")
    assert committed.exit_code == 0
    assert committed.out.startswith("committed ")
    again = run(example_repo, "commit")
    assert (again.exit_code, again.out) == (0, "nothing to commit: rendered/ already matches the specs\n")


def test_commit_refuses_uncommitted_inputs_and_lists_them(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "commit", "-m", "render").exit_code == 0
    head = git(example_repo, "rev-parse", "HEAD")
    edit(example_repo / "releases/llama3-8b-chat.yaml", "maxModelLen: 8192", "maxModelLen: 4096")
    add_fleet(example_repo, 1)  # a new spec, not yet added
    edit(example_repo / "environments/dev.yaml", "namespace: models-dev", "namespace: models-dev2")
    git(example_repo, "add", "environments/dev.yaml")
    rendered = (example_repo / "rendered/dev/llama3-8b-chat/manifest.yaml").read_bytes()
    refused = run(example_repo, "commit")
    assert refused.exit_code == 3 and refused.out == ""
    assert refused.err.splitlines() == [
        "modelops: 3 files in releases/, environments/, templates/, policies/ with uncommitted changes; "
        "commit them first, or pass --allow-dirty",
        "environments/dev.yaml: uncommitted: modified (staged)",
        "releases/fleet-001.yaml: uncommitted: untracked",
        "releases/llama3-8b-chat.yaml: uncommitted: modified",
    ]
    # Nothing written, nothing committed.
    assert git(example_repo, "rev-parse", "HEAD") == head
    assert (example_repo / "rendered/dev/llama3-8b-chat/manifest.yaml").read_bytes() == rendered
    allowed = run(example_repo, "commit", "--allow-dirty")
    assert allowed.exit_code == 0 and allowed.out.startswith("committed "), allowed.err
    assert f"Source-Commit: {head}-dirty" in git(example_repo, "log", "-1", "--format=%B")


def test_commit_lists_twenty_uncommitted_inputs_then_how_many_more(example_repo: Path, run: Runner) -> None:
    names = add_fleet(example_repo, 25)
    refused = run(example_repo, "commit")
    assert refused.exit_code == 3
    lines = refused.err.splitlines()
    assert lines[0].startswith("modelops: 25 files in releases/") and ", 5 more not listed;" in lines[0]
    assert lines[1:] == [f"releases/{name}.yaml: uncommitted: untracked" for name in names[:20]]
    assert not (example_repo / "rendered").exists()


def test_commit_in_a_sha256_repository(tmp_path: Path, run: Runner) -> None:
    """git's SHA-256 object format: HEAD is asked of git (GitPython took every HEAD there for an unborn
    branch, and the compare-and-swap of the branch then failed); history GitPython reads is refused clearly."""
    repo = copy_example(tmp_path / "gitops")
    git(repo, "init", "-q", "-b", "main", "--object-format=sha256")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "specs")
    specs = git(repo, "rev-parse", "HEAD")
    first = run(repo, "commit", "-q")
    assert first.exit_code == 0, first.err
    assert git(repo, "rev-parse", "HEAD^") == specs and len(git(repo, "rev-parse", "HEAD")) == 64
    edit(repo / "releases/llama3-8b-chat.yaml", "maxModelLen: 8192", "maxModelLen: 4096")
    git(repo, "commit", "-q", "-am", "shorter context")
    second = run(repo, "commit", "-o", "json")
    assert second.exit_code == 0, second.err
    assert git(repo, "log", "-1", "--format=%s") == "render llama3-8b-chat (dev, staging, prod)"
    assert git(repo, "status", "--porcelain") == ""
    assert run(repo, "check", "-q").exit_code == 0
    status = run(repo, "status")
    assert status.exit_code == 3 and "names its objects with SHA-256" in status.err and "Traceback" not in status.err
