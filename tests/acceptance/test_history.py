"""`modelops history`: each change of what runs, across render, promote, rollback and a hand-made commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Runner, edit, git, init_repo

LLAMA = "llama3-8b-chat"
ENTRY_FIELDS = {
    "release", "environment", "commit", "date", "author", "committer", "subject", "command", "recorded",
    "changed", "before", "after",
}  # fmt: skip
STATE_FIELDS = {"modelVersion", "image", "imageDigest", "artifact", "replicas", "minReplicas", "maxReplicas", "gpus"}


@pytest.fixture
def flow(example_repo: Path, run: Runner, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """render, promote staging -> prod, roll prod back, then a hand edit of prod's manifest: each committed."""
    shas = {}
    assert run(example_repo, "commit").exit_code == 0
    shas["render"] = git(example_repo, "rev-parse", "HEAD")
    assert run(example_repo, "promote", LLAMA, "--from", "staging", "--to", "prod").exit_code == 0
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Release Manager")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "rm@example.com")
    git(example_repo, "add", "releases")
    git(example_repo, "commit", "-q", "-m", "promote llama3-8b-chat spec")  # touches no rendered file
    assert run(example_repo, "commit").exit_code == 0
    shas["promote"] = git(example_repo, "rev-parse", "HEAD")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "On Call")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "oncall@example.com")
    assert run(example_repo, "rollback", LLAMA, "--env", "prod").exit_code == 0
    git(example_repo, "add", "releases")
    git(example_repo, "commit", "-q", "-m", "roll back llama3-8b-chat spec")
    assert run(example_repo, "commit").exit_code == 0
    shas["rollback"] = git(example_repo, "rev-parse", "HEAD")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Hand")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "hand@example.com")
    edit(example_repo / f"rendered/prod/{LLAMA}/manifest.yaml", "maxReplicas: 6", "maxReplicas: 8")
    git(example_repo, "commit", "-q", "-am", "more prod replicas")
    shas["manual"] = git(example_repo, "rev-parse", "HEAD")
    return shas


def test_history_across_render_promote_rollback_and_a_hand_made_commit(
    example_repo: Path, run: Runner, flow: dict[str, str]
) -> None:
    result = run(example_repo, "history", LLAMA, "--env", "prod", "-o", "json")
    assert result.exit_code == 0, result.err
    entries = result.json()
    got = [
        (e["commit"], e["command"], e["author"]["name"], e["after"]["modelVersion"], e["after"]["maxReplicas"])
        for e in entries
    ]
    assert got == [
        (flow["manual"], "manual", "Hand", "3.1.0", 8),
        (flow["rollback"], "rollback", "On Call", "3.1.0", 6),
        (flow["promote"], "promote", "Release Manager", "3.1.1", 6),
        (flow["render"], "render", "Test User", "3.1.0", 6),
    ]
    manual, rollback, promote, render = entries
    assert set(manual) == ENTRY_FIELDS and set(manual["after"]) == STATE_FIELDS
    assert manual["changed"] == ["maxReplicas"] and manual["subject"] == "more prod replicas"
    assert manual["author"]["email"] == "hand@example.com"
    assert manual["committer"] == {"name": "Test User", "email": "test@example.com", "date": manual["date"]}
    assert promote["changed"] == ["modelVersion", "artifact.uri", "artifact.digest"]
    assert promote["before"]["modelVersion"] == "3.1.0" and promote["after"]["gpus"] == 1
    assert promote["after"]["artifact"] == {
        "uri": "s3://models/meta-llama/llama-3.1-8b-instruct/3.1.1/",
        "digest": "sha256:699d88c83fa006cba4f3c7b2aae94bb5bea48b80f8f0892e66e92d3a9246d3db",
    }
    assert render["before"] is None and render["environment"] == "prod"
    assert not any(e["recorded"] for e in entries)  # `modelops commit` does not say; history works it out
    assert rollback["date"][10] == "T" and rollback["date"][-6] in "+-"  # ISO 8601 with its UTC offset

    text = run(example_repo, "history", LLAMA).out
    assert text.index(f"{LLAMA} in dev:") < text.index(f"{LLAMA} in staging:") < text.index(f"{LLAMA} in prod:")
    prod = text[text.index(f"{LLAMA} in prod:") :]
    assert (
        f"  promote   3.1.1    sha256:e44d97c0831e  sha256:699d88c83fa0  2-6       1     {flow['promote'][:12]}" in prod
    )
    assert "Release Manager <rm@example.com> (committed by Test User <test@example.com>)" in prod
    assert "  manual    3.1.0 " in prod and "  2-8  " in prod


def test_filters_by_environment_and_release(example_repo: Path, run: Runner, flow: dict[str, str]) -> None:
    everything = run(example_repo, "history", "-o", "json").json()
    assert {e["release"] for e in everything} == {
        "bge-embeddings", "distilbert-sentiment", "llama3-70b-instruct", LLAMA, "resnet50-classifier",
        "toxicity-classifier",
    }  # fmt: skip
    assert [e["commit"] for e in everything if e["command"] == "render"] == [flow["render"]] * 18
    staging = run(example_repo, "history", "--env", "staging", "-o", "json").json()
    assert {e["environment"] for e in staging} == {"staging"} and len(staging) == 6
    assert [e["environment"] for e in run(example_repo, "history", LLAMA, "-o", "json").json()] == [
        "prod", "prod", "prod", "dev", "staging", "prod",
    ]  # fmt: skip


def test_unknown_release_or_environment_is_a_usage_error(example_repo: Path, run: Runner) -> None:
    run(example_repo, "commit")
    result = run(example_repo, "history", "llama4")
    assert result.exit_code == 2
    assert "unknown release 'llama4'" in result.err and "llama3-8b-chat, resnet50-classifier" in result.err
    result = run(example_repo, "history", "--env", "qa")
    assert result.exit_code == 2 and "unknown environment 'qa'" in result.err and "dev, staging, prod" in result.err


def test_no_repository_or_no_commits_is_a_clear_error(example: Path, run: Runner) -> None:
    result = run(example, "history")
    assert result.exit_code == 3 and "is not a git repository" in result.err and "Traceback" not in result.err
    init_repo(example)
    result = run(example, "history", "-o", "json")
    assert result.exit_code == 3 and "has no commits yet" in result.err and result.out == ""
