"""`modelops commit --push` against a bare remote on disk, with competing writers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import Runner, copy_example, edit, git, modelops_subprocess, write


@pytest.fixture
def published(example_repo: Path, remote: Path, run: Runner) -> Path:
    """Specs and their rendered tree committed and pushed to the bare remote."""
    assert run(example_repo, "commit", "--push", "-m", "initial render").exit_code == 0
    return remote


def clone(remote: Path, path: Path) -> Path:
    git(path.parent, "clone", "-q", str(remote), str(path))
    return path


def spec_change(repo: Path, release: str, old: str, new: str, message: str) -> None:
    edit(repo / f"releases/{release}.yaml", old, new)
    git(repo, "commit", "-q", "-am", message)


def remote_subjects(remote: Path) -> list[str]:
    return git(remote, "log", "--format=%s", "main").splitlines()


def test_push_publishes_the_rendered_commit(published: Path) -> None:
    assert remote_subjects(published) == ["initial render", "specs"]
    files = git(published, "ls-tree", "-r", "--name-only", "main", "rendered/prod").splitlines()
    assert "rendered/prod/llama3-8b-chat/manifest.yaml" in files


def test_rejected_push_is_rebuilt_and_keeps_both_writers(published: Path, tmp_path: Path, run: Runner) -> None:
    a, b = clone(published, tmp_path / "a"), clone(published, tmp_path / "b")
    spec_change(a, "toxicity-classifier", "maxReplicas: 6", "maxReplicas: 8", "toxicity: scale to 8")
    spec_change(b, "bge-embeddings", "maxReplicas: 4", "maxReplicas: 5", "bge: scale to 5")
    assert run(a, "commit", "--push").exit_code == 0
    result = run(b, "commit", "--push", "-o", "json")  # b has not seen a's commits: its first push is rejected
    assert result.exit_code == 0, result.err
    assert result.json()["pushed"] is True
    assert result.json()["attempts"] == 2
    subjects = remote_subjects(published)
    assert subjects[0] == "render bge-embeddings (dev, staging)"  # prod pins its own maxReplicas
    assert subjects[1:4] == [
        "bge: scale to 5",
        "render toxicity-classifier (dev, staging, prod)",
        "toxicity: scale to 8",
    ]
    # The remote's rendered tree reflects both writers' specs, and nothing was force-pushed.
    hpa = "rendered/{env}/{name}/manifest.yaml"
    assert "maxReplicas: 8" in git(published, "show", "main:" + hpa.format(env="dev", name="toxicity-classifier"))
    assert "maxReplicas: 5" in git(published, "show", "main:" + hpa.format(env="dev", name="bge-embeddings"))
    assert git(published, "merge-base", "--is-ancestor", git(a, "rev-parse", "HEAD"), "main") == ""


def test_two_writers_racing_for_real(published: Path, tmp_path: Path) -> None:
    writers = []
    for name, release, old, new in [
        ("a", "toxicity-classifier", "maxReplicas: 6", "maxReplicas: 7"),
        ("b", "resnet50-classifier", "maxReplicas: 4", "maxReplicas: 6"),
    ]:
        repo = clone(published, tmp_path / name)
        spec_change(repo, release, old, new, f"{name}: {release}")
        writers.append(repo)
    procs = [
        subprocess.Popen(
            ["modelops", "--repo", str(r), "commit", "--push", "--retries", "5"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in writers
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    subjects = remote_subjects(published)
    assert "a: toxicity-classifier" in subjects
    assert "b: resnet50-classifier" in subjects
    assert subjects.count("render toxicity-classifier (dev, staging, prod)") == 1
    assert subjects.count("render resnet50-classifier (dev, staging, prod)") == 1
    fresh = clone(published, tmp_path / "check")
    assert modelops_subprocess(fresh, "check").returncode == 0


def test_missing_remote_fails_before_anything_is_written(example_repo: Path, run: Runner) -> None:
    result = run(example_repo, "commit", "--push")
    assert result.exit_code == 3
    assert "no git remote named 'origin'" in result.err
    assert not (example_repo / "rendered").exists()
    assert git(example_repo, "rev-list", "--count", "HEAD") == "1"


def test_conflicting_user_commit_restores_the_branch(published: Path, tmp_path: Path, run: Runner) -> None:
    a, b = clone(published, tmp_path / "a"), clone(published, tmp_path / "b")
    spec_change(a, "toxicity-classifier", "maxReplicas: 6", "maxReplicas: 8", "a")
    spec_change(b, "toxicity-classifier", "maxReplicas: 6", "maxReplicas: 9", "b")
    assert run(a, "commit", "--push").exit_code == 0
    before = git(b, "log", "--format=%H %s", "-3")
    result = run(b, "commit", "--push")
    assert result.exit_code == 3
    assert "do not apply on top of origin/main" in result.err
    log = git(b, "log", "--format=%H %s", "-3")
    assert log.split("\n")[1:] == before.split("\n")[:2]  # b's spec commit is still there, under its render
    assert "render toxicity-classifier" in log.split("\n")[0]


def test_push_declined_by_the_server(published: Path, tmp_path: Path, run: Runner) -> None:
    hook = write(published / "hooks/pre-receive", "#!/bin/sh\necho 'protected branch' >&2\nexit 1\n")
    hook.chmod(0o755)
    a = clone(published, tmp_path / "a")
    spec_change(a, "toxicity-classifier", "maxReplicas: 6", "maxReplicas: 8", "a")
    result = run(a, "commit", "--push")
    assert result.exit_code == 3
    assert "git push to origin/main failed" in result.err
    assert "protected branch" in result.err
    assert git(a, "log", "-1", "--format=%s") == "render toxicity-classifier (dev, staging, prod)"


def test_an_interrupted_rebuild_restores_the_branch_exactly(
    published: Path, tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import git as gitpython

    from generator.repo import push

    a, b = clone(published, tmp_path / "a"), clone(published, tmp_path / "b")
    spec_change(a, "toxicity-classifier", "maxReplicas: 6", "maxReplicas: 8", "a")
    assert run(a, "commit", "--push").exit_code == 0
    spec_change(b, "bge-embeddings", "maxReplicas: 4", "maxReplicas: 5", "b: first")
    spec_change(b, "distilbert-sentiment", "team: ", "team: x", "b: second")
    before = git(b, "rev-parse", "HEAD")
    repo = gitpython.Repo(b)
    real = gitpython.cmd.Git._call_process
    picked: list[object] = []

    def call(self: gitpython.cmd.Git, method: str, *args: object, **kwargs: object) -> object:
        if method == "cherry_pick" and args[:1] != ("--abort",):
            picked.append(args)
            if len(picked) == 2:  # Ctrl-C with the first of b's two commits replayed
                raise KeyboardInterrupt
        return real(self, method, *args, **kwargs)

    monkeypatch.setattr(gitpython.cmd.Git, "_call_process", call)
    with pytest.raises(KeyboardInterrupt):
        push.rebuild_on_remote(repo, push.Target("origin", "main"))
    assert git(b, "rev-parse", "HEAD") == before
    assert git(b, "log", "--format=%s", "-2").splitlines() == ["b: second", "b: first"]
    assert not (b / ".git/CHERRY_PICK_HEAD").exists()


def test_a_rebuild_killed_half_way_is_put_back_by_the_next_run(published: Path, tmp_path: Path, run: Runner) -> None:
    from generator.repo import push

    a, b = clone(published, tmp_path / "a"), clone(published, tmp_path / "b")
    spec_change(a, "toxicity-classifier", "maxReplicas: 6", "maxReplicas: 8", "a")
    assert run(a, "commit", "--push").exit_code == 0
    spec_change(b, "bge-embeddings", "maxReplicas: 4", "maxReplicas: 5", "b: first")
    spec_change(b, "distilbert-sentiment", "team: ", "team: x", "b: second")
    original = git(b, "rev-parse", "HEAD")
    # What a SIGKILL after replaying b's first commit leaves: the record, and the branch on the remote tip.
    git(b, "fetch", "-q", "origin")
    git(b, "update-ref", push.REBUILD_REF, original)
    git(b, "reset", "-q", "--keep", "origin/main")
    git(b, "cherry-pick", "--allow-empty", original + "~1")
    result = run(b, "commit", "-m", "render")
    assert result.exit_code == 0, result.err
    assert f"a previous push rebuild was interrupted: your branch is back at {original[:12]}" in result.out
    assert git(b, "log", "--format=%s", "-3").splitlines()[1:] == ["b: second", "b: first"]
    assert git(b, "rev-parse", "HEAD~1") == original
    assert git(b, "for-each-ref", "refs/modelops") == ""


def test_a_rejected_push_is_rebuilt_in_a_sha256_repository(tmp_path: Path, run: Runner) -> None:
    """The rebuild reads which local commits are rendered ones through git itself (GitPython reads
    SHA-1 repositories only)."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "--object-format=sha256", "-b", "main", str(remote))
    a = copy_example(tmp_path / "a")
    git(a, "init", "-q", "--object-format=sha256", "-b", "main")
    git(a, "remote", "add", "origin", str(remote))
    git(a, "add", "-A")
    git(a, "commit", "-q", "-m", "specs")
    assert run(a, "commit", "--push", "-q").exit_code == 0
    b = clone(remote, tmp_path / "b")
    spec_change(b, "bge-embeddings", "maxReplicas: 4", "maxReplicas: 5", "bge: scale to 5")
    assert run(b, "commit", "--push", "-q").exit_code == 0
    spec_change(a, "toxicity-classifier", "maxReplicas: 6", "maxReplicas: 8", "toxicity: scale to 8")
    assert run(a, "commit", "-q").exit_code == 0  # an unpushed rendered commit, dropped by the rebuild
    result = run(a, "commit", "--push", "-o", "json")
    assert result.exit_code == 0, result.err
    assert result.json()["pushed"] is True
    subjects = git(remote, "log", "--format=%s", "main").splitlines()
    assert subjects[:2] == ["render toxicity-classifier (dev, staging, prod)", "toxicity: scale to 8"]
    assert subjects.count("render toxicity-classifier (dev, staging, prod)") == 1
