"""The history of what runs, read from hand-built git repositories (files and trailers written here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.repo import history, plumbing
from tests.conftest import git, init_repo, write

DIGEST = "sha256:" + "a" * 64


def metadata(version: str, image: str = "registry.example.com/vllm:v1@sha256:" + "b" * 64, generator: str = "1") -> str:
    deploys = {
        "modelVersion": version,
        "image": image,
        "imageDigest": image.partition("@")[2] or None,
        "artifact": {"uri": f"s3://models/m/{version}/", "digest": DIGEST},
    }
    return json.dumps({"deploys": deploys, "generator": generator}, indent=2) + "\n"


def manifest(max_replicas: int = 4, gpus: int = 1) -> str:
    return (
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: m\n"
        f"spec:\n  minReplicas: 1\n  maxReplicas: {max_replicas}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: server\n          resources:\n"
        f"            requests:\n              nvidia.com/gpu: {gpus}\n"
    )


def put(repo: Path, env: str, version: str, **kwargs: object) -> None:
    write(repo / f"rendered/{env}/m/modelops.metadata", metadata(version, **kwargs))  # type: ignore[arg-type]
    write(repo / f"rendered/{env}/m/manifest.yaml", manifest())


def commit(repo: Path, subject: str, *trailers: str, author: str = "Ann <ann@example.com>") -> str:
    message = subject + ("\n\n" + "\n".join(trailers) if trailers else "")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--author", author, "-m", message)
    return git(repo, "rev-parse", "HEAD")


MODELOPS = "Rendered-By: modelops 0.1.0"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "gitops").mkdir()
    return init_repo(tmp_path / "gitops")


def collect(repo: Path, env: str | None = None, release: str | None = None) -> list[history.Entry]:
    return history.collect(plumbing.Git(repo, repo / ".git"), "", env, release, ["dev", "staging", "prod"])


def test_lists_changes_of_what_runs_newest_first(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    put(repo, "dev", "1.0")
    first = commit(repo, "render m (dev)", MODELOPS)
    write(repo / "rendered/dev/m/modelops.metadata", metadata("1.0", generator="2"))  # provenance only
    commit(repo, "render m (dev)", MODELOPS)
    write(repo / "rendered/dev/m/manifest.yaml", manifest(max_replicas=6, gpus=2))
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-06-15T10:30:00+02:00")
    third = commit(repo, "more replicas", author="Bob <bob@example.com>")
    entries = collect(repo)
    assert [(e.commit.sha, e.command) for e in entries] == [(third, "manual"), (first, "render")]
    newest, oldest = entries
    assert oldest.before is None and oldest.after is not None and oldest.after.model_version == "1.0"
    assert newest.changed == ["maxReplicas", "gpus"]
    assert newest.after is not None and (newest.after.max_replicas, newest.after.gpus) == (6, 2)
    assert newest.commit.author.name == "Bob" and newest.commit.committer.name == "Test User"
    assert newest.commit.committer.date == "2026-06-15T10:30:00+02:00"


def test_commands_recorded_and_inferred(repo: Path) -> None:
    for env in ("dev", "staging", "prod"):
        put(repo, env, "1.0")
    commit(repo, "render m (dev, staging, prod)", MODELOPS)
    put(repo, "dev", "1.1")
    commit(repo, "set the version", MODELOPS, "Modelops-Command: set-version m dev")
    put(repo, "staging", "1.1")
    commit(repo, "render m (staging)", MODELOPS)  # staging now runs what dev ran: a promotion
    put(repo, "staging", "1.0")
    commit(repo, "render m (staging)", MODELOPS)  # back to what it ran before: a rollback
    put(repo, "prod", "2.0")
    commit(repo, "render m (prod)", MODELOPS)  # new to every environment: a render
    put(repo, "prod", "1.0")
    commit(repo, "rollback m (prod)", MODELOPS)  # the subject says so
    got = [(e.environment, e.command, e.recorded) for e in collect(repo) if e.before is not None]
    assert got == [
        ("prod", "rollback", True),
        ("prod", "render", False),
        ("staging", "rollback", False),
        ("staging", "promote", False),
        ("dev", "set-version", True),
    ]


def test_filters_removal_and_releases_elsewhere(repo: Path) -> None:
    put(repo, "dev", "1.0")
    put(repo, "prod", "1.0")
    write(repo / "rendered/dev/other/modelops.metadata", metadata("9.9"))
    write(repo / "rendered/dev/_argocd/manifest.yaml", "kind: Application\n")
    commit(repo, "render", MODELOPS)
    git(repo, "rm", "-q", "-r", "rendered/prod/m")
    removed = commit(repo, "remove m (prod)", MODELOPS)
    assert [(e.environment, e.release) for e in collect(repo, release="m")] == [
        ("prod", "m"),
        ("dev", "m"),
        ("prod", "m"),
    ]
    gone = collect(repo, env="prod")[0]
    assert gone.commit.sha == removed and gone.after is None and gone.before is not None
    assert "modelVersion" in gone.changed
    assert {e.release for e in collect(repo, env="dev")} == {"m", "other"}
    assert history.names(plumbing.Git(repo, repo / ".git"), "") == ({"dev", "prod"}, {"m", "other"})


def test_each_commit_is_compared_with_its_own_parent(repo: Path) -> None:
    put(repo, "dev", "1.0")
    commit(repo, "render", MODELOPS)
    git(repo, "checkout", "-q", "-b", "side")
    put(repo, "dev", "2.0")
    side = commit(repo, "render", MODELOPS)
    git(repo, "checkout", "-q", "main")
    write(repo / "rendered/prod/m/modelops.metadata", metadata("1.0"))
    commit(repo, "render", MODELOPS)
    git(repo, "merge", "-q", "--no-edit", "side")
    dev = collect(repo, env="dev")
    assert dev[0].commit.sha == side  # the merge itself is not listed
    assert dev[0].before is not None and dev[0].before.model_version == "1.0"


def test_a_fixed_number_of_git_processes_however_long_the_history(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    put(repo, "dev", "1.0")
    put(repo, "staging", "1.0")
    commit(repo, "render", MODELOPS)
    for i in range(30):
        write(repo / "rendered/staging/m/modelops.metadata", metadata(f"1.{i + 1}"))
        commit(repo, "render m (staging)", MODELOPS)
    calls: list[str] = []
    real = plumbing.Git.output

    def counted(self: plumbing.Git, *args: str, **kwargs: object) -> bytes:
        calls.append(args[0])
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(plumbing.Git, "output", counted)
    assert len(collect(repo)) == 32
    assert calls == ["log", "cat-file", "cat-file"]


def test_a_repository_in_a_subdirectory(repo: Path) -> None:
    write(repo / "ops/rendered/dev/m/modelops.metadata", metadata("1.0"))
    commit(repo, "render", MODELOPS)
    entries = history.collect(plumbing.Git(repo, repo / ".git"), "ops/", None, None, [])
    assert [(e.environment, e.release) for e in entries] == [("dev", "m")]
    assert entries[0].after is not None and entries[0].after.gpus is None  # no manifest: not known
