"""rollback goes back to a state the environment ran, read from the history of rendered/, never forward."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Runner, git, init_below, init_repo

LLAMA = "llama3-8b-chat"
SPEC = f"releases/{LLAMA}.yaml"
IMAGE = (
    "registry.example.com/mirror/vllm/vllm-openai:v0.11.0@sha256:"
    + "e44d97c0831ea25f1a5afb18388af5136e27eec77f466915df43bcd1f50f96d5"
)
ARTIFACT_311 = "sha256:699d88c83fa006cba4f3c7b2aae94bb5bea48b80f8f0892e66e92d3a9246d3db"
NEW_IMAGE = "registry.example.com/mirror/vllm/vllm-openai:v0.12.0@sha256:" + "cd" * 32


def digest(version: str) -> str:
    return "sha256:" + version.replace(".", "")[:2].ljust(64, "0")


def uri(version: str) -> str:
    return f"s3://models/meta-llama/llama-3.1-8b-instruct/{version}/"


@pytest.fixture
def dev_versions(example_repo: Path, run: Runner) -> dict[str, str]:
    """dev runs 3.1.1 (the first render), then 3.2.0 with a new image, then 3.3.0: each committed."""
    shas = {}
    assert run(example_repo, "commit", "-m", "render").exit_code == 0
    shas["3.1.1"] = git(example_repo, "rev-parse", "HEAD")
    for version, image in (("3.2.0", ["--image", NEW_IMAGE]), ("3.3.0", [])):
        args = ["--version", version, "--uri", uri(version), "--digest", digest(version), *image, "--commit"]
        result = run(example_repo, "set-version", LLAMA, *args)
        assert result.exit_code == 0, result.err
        shas[version] = git(example_repo, "rev-parse", "HEAD")
    return shas


def dev_runs(repo: Path) -> tuple[str, str, str]:
    """(version, artifact digest, image) of dev's rendered workload."""
    text = (repo / f"rendered/dev/{LLAMA}/manifest.yaml").read_text()
    version = text.split('modelops.io/model-version: "', 1)[1].split('"', 1)[0]
    artifact = text.split("modelops.io/artifact-digest: ", 1)[1].split("\n", 1)[0].strip('"')
    image = text.split("modelops.io/image: ", 1)[1].split("\n", 1)[0].strip('"')
    return version, artifact, image


def test_rollback_twice_goes_further_back_never_forward(
    example_repo: Path, run: Runner, dev_versions: dict[str, str]
) -> None:
    first = run(example_repo, "rollback", LLAMA, "--env", "dev", "--commit")
    assert first.exit_code == 0, first.err
    assert f"back to what it ran in commit {dev_versions['3.2.0'][:12]}" in first.out
    assert "version: 3.3.0 -> 3.2.0" in first.out
    assert dev_runs(example_repo) == ("3.2.0", digest("3.2.0"), NEW_IMAGE)
    second = run(example_repo, "rollback", LLAMA, "--env", "dev", "--commit")
    assert second.exit_code == 0, second.err
    assert "version: 3.2.0 -> 3.1.1" in second.out
    # The image goes back with the model: 3.1.1 ran on the release-wide image.
    assert dev_runs(example_repo) == ("3.1.1", ARTIFACT_311, IMAGE)
    assert git(example_repo, "log", "-2", "--format=%s").splitlines() == [
        f"rollback {LLAMA} in dev to 3.1.1",
        f"rollback {LLAMA} in dev to 3.2.0",
    ]
    head = git(example_repo, "rev-parse", "HEAD")
    spec = (example_repo / SPEC).read_bytes()
    third = run(example_repo, "rollback", LLAMA, "--env", "dev", "--commit")
    assert third.exit_code == 1
    assert f"{LLAMA} in dev runs 3.1.1 and has no earlier state to go back to" in third.err
    assert "3.1.1 (" in third.err and "3.3.0 (" in third.err
    assert git(example_repo, "rev-parse", "HEAD") == head and (example_repo / SPEC).read_bytes() == spec
    history = run(example_repo, "history", LLAMA, "--env", "dev", "-o", "json").json()
    assert [(e["command"], e["after"]["modelVersion"]) for e in history] == [
        ("rollback", "3.1.1"), ("rollback", "3.2.0"), ("set-version", "3.3.0"), ("set-version", "3.2.0"),
        ("render", "3.1.1"),
    ]  # fmt: skip


def test_a_new_version_after_a_rollback_rolls_back_to_the_state_it_replaced(
    example_repo: Path, run: Runner, dev_versions: dict[str, str]
) -> None:
    assert run(example_repo, "rollback", LLAMA, "--env", "dev", "--commit").exit_code == 0  # 3.3.0 -> 3.2.0
    args = ["--version", "3.4.0", "--uri", uri("3.4.0"), "--digest", digest("3.4.0"), "--commit"]
    assert run(example_repo, "set-version", LLAMA, *args).exit_code == 0
    result = run(example_repo, "rollback", LLAMA, "--env", "dev")
    assert result.exit_code == 0, result.err
    assert "version: 3.4.0 -> 3.2.0" in result.out


def test_rollback_to_a_version_with_commit_is_one_commit_history_calls_rollback(
    example_repo: Path, remote: Path, run: Runner, dev_versions: dict[str, str]
) -> None:
    git(example_repo, "push", "-q", "origin", "main")
    before = git(example_repo, "rev-parse", "HEAD")
    result = run(example_repo, "rollback", LLAMA, "--env", "dev", "--to", "3.1.1", "--push")
    assert result.exit_code == 0, result.err
    sha = git(example_repo, "rev-parse", "HEAD")
    assert git(example_repo, "rev-list", f"{before}..HEAD").splitlines() == [sha]
    assert git(remote, "rev-parse", "main") == sha
    assert git(example_repo, "log", "-1", "--format=%s") == f"rollback {LLAMA} in dev to 3.1.1"
    assert git(example_repo, "log", "-1", "--format=%(trailers:key=Modelops-Command,valueonly)").strip() == "rollback"
    files = git(example_repo, "diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD").splitlines()
    assert SPEC in files and f"rendered/dev/{LLAMA}/manifest.yaml" in files
    # Other environments get new provenance (the spec's hash) and records (which name it), nothing else.
    others = {f.rpartition("/")[2] for f in files if f != SPEC and not f.startswith("rendered/dev/")}
    assert others == {"modelops.metadata", "modelops.record"}
    assert git(example_repo, "status", "--porcelain") == ""
    assert dev_runs(example_repo)[0] == "3.1.1" and dev_runs(example_repo)[2] == IMAGE
    [entry] = run(example_repo, "history", LLAMA, "--env", "dev", "-o", "json").json()[:1]
    assert (entry["commit"], entry["command"], entry["recorded"]) == (sha, "rollback", True)
    assert entry["before"]["modelVersion"] == "3.3.0"
    # From 3.1.1, going back past the versions it skipped is not going forward: there is nothing earlier.
    again = run(example_repo, "rollback", LLAMA, "--env", "dev")
    assert again.exit_code == 1 and "has no earlier state to go back to" in again.err


def test_rollback_to_a_revision(example_repo: Path, run: Runner, dev_versions: dict[str, str]) -> None:
    result = run(example_repo, "rollback", LLAMA, "--env", "dev", "--to-revision", dev_versions["3.2.0"][:10])
    assert result.exit_code == 0, result.err
    assert f"back to what it ran in commit {dev_versions['3.2.0'][:12]}" in result.out
    assert dev_runs(example_repo) == ("3.2.0", digest("3.2.0"), NEW_IMAGE)
    dev = (example_repo / SPEC).read_text().split("    dev:\n", 1)[1].split("    staging:", 1)[0]
    assert "version: 3.2.0\n" in dev and f"digest: {digest('3.2.0')}\n" in dev and f"image: {NEW_IMAGE}\n" in dev
    assert "# Production runs the previous patch release until 3.1.1 is promoted." in (example_repo / SPEC).read_text()

    # Any revision of the branch names what dev ran then, not only a commit that changed dev.
    git(example_repo, "checkout", "-q", "--", SPEC)
    git(example_repo, "commit", "-q", "--allow-empty", "-m", "a note")
    git(example_repo, "tag", "noted")
    assert run(example_repo, "rollback", LLAMA, "--env", "dev", "--to", "3.1.1", "--commit").exit_code == 0
    result = run(example_repo, "rollback", LLAMA, "--env", "dev", "--to-revision", "noted")
    assert result.exit_code == 0, result.err
    assert f"back to what it ran in commit {git(example_repo, 'rev-parse', 'noted')[:12]}" in result.out
    assert "version: 3.1.1 -> 3.3.0" in result.out and dev_runs(example_repo)[0] == "3.3.0"


def test_a_target_that_never_ran_there_is_refused_naming_what_did(
    example_repo: Path, run: Runner, dev_versions: dict[str, str]
) -> None:
    spec, head = (example_repo / SPEC).read_bytes(), git(example_repo, "rev-parse", "HEAD")
    git(example_repo, "branch", "side", dev_versions["3.1.1"])
    git(example_repo, "checkout", "-q", "side")
    git(example_repo, "commit", "-q", "--allow-empty", "-m", "never merged")
    unmerged = git(example_repo, "rev-parse", "HEAD")
    git(example_repo, "checkout", "-q", "main")
    ran = ", ".join(f"{v} ({dev_versions[v][:12]})" for v in ("3.3.0", "3.2.0", "3.1.1"))
    cases = [
        (["--to", "9.9.9"], f"{LLAMA} in dev never ran version 9.9.9; it ran, newest first: {ran}"),
        (["--to", "3.1.0"], f"{LLAMA} in dev never ran version 3.1.0"),  # prod ran it, dev never did
        (["--to-revision", "no-such-ref"], "no-such-ref is not a commit of the current branch"),
        (["--to-revision", unmerged], f"{unmerged} is not a commit of the current branch"),
        (["--to-revision", "--all"], "--all is not a commit of the current branch"),
        (["--to-revision", "HEAD~3"], f"{LLAMA} was not deployed to dev at HEAD~3"),  # the specs before any render
    ]
    for args, message in cases:
        result = run(example_repo, "rollback", LLAMA, "--env", "dev", *args, "--commit")
        assert result.exit_code == 1, (args, result.err)
        assert message in result.err, result.err
        assert ran in result.err and "Traceback" not in result.err
        assert (example_repo / SPEC).read_bytes() == spec and git(example_repo, "rev-parse", "HEAD") == head
    both = run(example_repo, "rollback", LLAMA, "--env", "dev", "--to", "3.1.1", "--to-revision", "HEAD")
    assert both.exit_code == 2 and "give one of them" in both.err


def test_rollback_to_what_runs_already_does_nothing(
    example_repo: Path, run: Runner, dev_versions: dict[str, str]
) -> None:
    head = git(example_repo, "rev-parse", "HEAD")
    result = run(example_repo, "rollback", LLAMA, "--env", "dev", "--to", "3.3.0", "--commit")
    assert result.exit_code == 0, result.err
    assert "is already pinned to what it ran in" in result.out and "nothing to do" in result.out
    assert git(example_repo, "rev-parse", "HEAD") == head


def test_rollback_in_a_gitops_repository_below_the_top_of_the_work_tree(tmp_path: Path, run: Runner) -> None:
    (tmp_path / "monorepo").mkdir()
    outer = init_repo(tmp_path / "monorepo")
    sub = init_below(outer, run)
    first = git(outer, "rev-parse", "HEAD")
    new = ["--version", "2.0.0", "--uri", "gs://models/text/2.0.0/", "--digest", digest("2.0.0"), "--commit"]
    assert run(sub, "set-version", "text-classifier", *new).exit_code == 0
    refused = run(sub, "rollback", "text-classifier", "--env", "dev", "--to", "3.0.0")
    assert refused.exit_code == 1 and "it ran, newest first: 2.0.0 (" in refused.err and "1.0.0 (" in refused.err
    result = run(sub, "rollback", "text-classifier", "--env", "dev", "--to-revision", first, "--commit")
    assert result.exit_code == 0, result.err
    assert "version: 2.0.0 -> 1.0.0" in result.out
    assert git(outer, "log", "-1", "--format=%s") == "rollback text-classifier in dev to 1.0.0"
    assert git(outer, "status", "--porcelain") == ""
