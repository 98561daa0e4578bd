"""One writer at a time: real `modelops` processes racing on one repository, and what a writer may touch."""

from __future__ import annotations

import subprocess
from pathlib import Path

from generator.pipeline import index as unit_index
from generator.pipeline import settled
from generator.repo import lock
from tests.conftest import Runner, add_fleet, edit, files_under, git, manifest_objects, modelops_subprocess, write


def _commit(repo: Path, wait: str = "120") -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["modelops", "--repo", str(repo), "commit", "--wait", wait, "-m", "race"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_commits_at_once_after_an_environment_wide_change_lose_nothing(example_repo: Path, run: Runner) -> None:
    add_fleet(example_repo, 30)
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "fleet")
    assert run(example_repo, "commit", "-m", "first render").exit_code == 0
    edit(example_repo / "environments/dev.yaml", "namespace: models-dev", "namespace: models-dev2")
    git(example_repo, "commit", "-qam", "rename dev's namespace")
    before = git(example_repo, "rev-parse", "HEAD")
    first, second = _commit(example_repo), _commit(example_repo)
    results = [(p.wait(), *p.communicate()) for p in (first, second)]
    assert [code for code, _, _ in results] == [0, 0], results
    said = "".join(out + err for _, out, err in results)
    assert said.count("committed ") == 1 and "nothing to commit" in said
    assert git(example_repo, "rev-list", "--count", f"{before}..HEAD") == "1"
    # Nothing lost: every dev object is in HEAD, and HEAD is what the specs render to.
    committed = git(example_repo, "show", "HEAD:rendered/dev/_argocd/manifest.yaml")
    # An Application per release, the shared secrets' Application, the AppProject and the root app.
    assert len(manifest_objects(committed)) == 36 + 3
    assert run(example_repo, "check").exit_code == 0
    assert git(example_repo, "status", "--porcelain", "--", "rendered") == ""


def test_a_second_writer_reports_who_holds_the_lock_and_changes_nothing(example_repo: Path) -> None:
    before = files_under(example_repo)
    with lock.held(example_repo, "modelops commit (a test)"):
        done = modelops_subprocess(example_repo, "render", "--wait", "0")
    assert done.returncode == 3, done.stderr
    assert "another writer holds this repository" in done.stderr
    assert "`modelops commit (a test)`" in done.stderr and "--wait SECONDS" in done.stderr
    assert files_under(example_repo) == before


def test_nothing_outside_rendered_is_touched(example_repo: Path, run: Runner) -> None:
    write(example_repo / ".modelops-settings.yaml", "team: platform\n")
    write(example_repo / ".modelops-old-0123456789ab-notes/README.md", "ours\n")
    write(example_repo / "docs/.modelops-staging-0123456789ab/keep.md", "ours too\n")
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "files that look like leftovers")
    mine = {p: d for p, d in files_under(example_repo).items() if not p.startswith("rendered/")}
    assert run(example_repo, "render").exit_code == 0
    assert run(example_repo, "commit", "-m", "render").exit_code == 0
    assert {p: d for p, d in files_under(example_repo).items() if not p.startswith("rendered/")} == mine
    assert git(example_repo, "status", "--porcelain") == ""


def test_a_dead_runs_backup_in_the_workdir_is_put_back(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "render").exit_code == 0
    prod = files_under(example_repo / "rendered/prod/llama3-8b-chat")
    # Killed after moving the old release aside and before moving the new one in:
    backups = lock.workdir(example_repo) / "run-0123456789ab" / "old"
    backups.mkdir(parents=True)
    (example_repo / "rendered/prod/llama3-8b-chat").rename(backups / "prod%2Fllama3-8b-chat")
    assert run(example_repo, "render", "--env", "dev").exit_code == 0  # a run that does not render prod
    assert files_under(example_repo / "rendered/prod/llama3-8b-chat") == prod
    # The index and the kept answer stay.
    assert sorted(p.name for p in lock.workdir(example_repo).iterdir()) == sorted([unit_index.FILE, settled.FILE])


def test_what_modelops_did_not_render_under_rendered_fails_check_and_stops_commit(
    example_repo: Path, run: Runner
) -> None:
    assert run(example_repo, "commit", "-m", "render").exit_code == 0
    write(example_repo / ".gitignore", "rendered/.env\n")
    write(example_repo / "rendered/.env", "TOKEN=hunter2\n")
    result = run(example_repo, "check")
    assert result.exit_code == 1
    assert "rendered/.env: not rendered by modelops" in result.err
    edit(example_repo / "releases/bge-embeddings.yaml", "team: search", "team: ranking")
    git(example_repo, "commit", "-qam", "bge-embeddings: ranking team")
    head = git(example_repo, "rev-parse", "HEAD")
    result = run(example_repo, "commit", "-m", "sweep?")
    assert result.exit_code == 1
    assert "rendered/.env: not rendered by modelops" in result.err
    assert git(example_repo, "rev-parse", "HEAD") == head
    (example_repo / "rendered/.env").unlink()
    assert run(example_repo, "commit", "-m", "render").exit_code == 0
    assert "rendered/.env" not in git(example_repo, "ls-tree", "-r", "--name-only", "HEAD")


def test_a_missing_releases_directory_is_an_error_and_an_emptied_environment_needs_allow_empty(
    example_repo: Path, run: Runner
) -> None:
    assert run(example_repo, "render").exit_code == 0
    before = files_under(example_repo / "rendered")
    (example_repo / "releases").rename(example_repo / "release")
    result = run(example_repo, "render")
    assert result.exit_code == 1
    assert "releases: no releases/ directory" in result.err
    (example_repo / "release").rename(example_repo / "releases")
    assert files_under(example_repo / "rendered") == before
    for spec in (example_repo / "releases").glob("*.yaml"):
        spec.unlink()  # an empty releases/: a bad checkout, or a sparse one
    result = run(example_repo, "render")
    assert result.exit_code == 1
    assert "no release is deployed to dev any more: writing would remove all 6 releases in rendered/dev/" in result.err
    assert "--allow-empty" in result.err
    assert files_under(example_repo / "rendered") == before
    result = run(example_repo, "render", "--allow-empty")
    assert result.exit_code == 0, result.err
    # The environment's own units stay: its Argo CD objects, and the secrets its file still declares.
    assert sorted(p.name for p in (example_repo / "rendered/dev").iterdir()) == ["_argocd", "_shared"]


def test_a_fifo_in_rendered_is_replaced_not_read(example_repo: Path, run: Runner) -> None:
    import os

    assert run(example_repo, "render").exit_code == 0
    os.mkfifo(example_repo / "rendered/dev/bge-embeddings/pipe")
    done = modelops_subprocess(example_repo, "check", timeout=60)  # reading the FIFO would block forever
    assert done.returncode == 1 and "stale    rendered/dev/bge-embeddings/pipe" in done.stderr
    assert modelops_subprocess(example_repo, "render", timeout=60).returncode == 0
    assert not (example_repo / "rendered/dev/bge-embeddings/pipe").exists()


def test_commit_compares_with_head_before_removing_every_release(example_repo: Path, run: Runner) -> None:
    import shutil

    assert run(example_repo, "commit", "-m", "render").exit_code == 0
    shutil.rmtree(example_repo / "rendered")  # to force a clean render: the disk no longer shows what HEAD has
    for spec in (example_repo / "releases").glob("*.yaml"):
        spec.unlink()
    git(example_repo, "add", "releases")
    git(example_repo, "commit", "-q", "-m", "remove every release")
    head = git(example_repo, "rev-parse", "HEAD")
    result = run(example_repo, "commit", "-m", "oops")
    assert result.exit_code == 1
    assert "committing would remove all 6 releases that HEAD has in rendered/dev/" in result.err
    assert git(example_repo, "rev-parse", "HEAD") == head


def test_a_rendered_file_staged_by_hand_never_reaches_the_next_git_commit(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "commit", "-m", "render").exit_code == 0
    hpa = "rendered/dev/bge-embeddings/manifest.yaml"
    edit(example_repo / hpa, "maxReplicas: 4", "maxReplicas: 40")
    git(example_repo, "add", hpa)
    assert run(example_repo, "commit", "-m", "render").exit_code == 0  # rewrites the file, nothing to commit
    assert git(example_repo, "diff", "--cached", "--name-only") == ""
    assert git(example_repo, "status", "--porcelain") == ""
