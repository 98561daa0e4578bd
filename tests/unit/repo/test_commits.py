"""Committing rendered/ on real repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.errors import RepositoryError
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.repo import commits, writer
from tests.conftest import edit, git, init_repo, write


def render_and_commit(repo: Path, message: str | None = None) -> commits.CommitResult:
    built = compose.build(WorkTree(repo))
    writer.write(repo, built.tree)
    versions, order = compose.versions(built), list(built.inputs.environments)
    repo_obj = commits.open_repo(repo)
    return commits.commit_rendered(
        repo_obj, built.tree.files(), lambda files: commits.commit_message(files, versions, message, order)
    )


def test_commit_in_a_repository_without_commits(example: Path) -> None:
    init_repo(example)
    result = render_and_commit(example)
    assert result.sha is not None
    assert git(example, "rev-list", "--count", "HEAD") == "1"
    committed = git(example, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
    assert all(path.startswith("rendered/") for path in committed)
    assert len(committed) == len(result.files)
    # The specs were never staged by the tool, and the index agrees with HEAD for rendered/.
    assert git(example, "status", "--porcelain", "--", "rendered") == ""
    assert "?? releases/" in git(example, "status", "--porcelain")


def test_message_structure(example_repo: Path) -> None:
    result = render_and_commit(example_repo)
    subject, _, rest = result.message.partition("\n\n")
    assert subject == "render 6 releases in 3 environments"
    listed = rest.split("\n\n")[0].splitlines()
    assert listed[0] == "Files:"
    assert listed[1] == "  A rendered/dev/_argocd/manifest.yaml"
    assert len(result.files) < commits.LISTED_FILES  # every file listed (tests/acceptance/test_commit_size: more)
    assert listed[1:] == [f"  {f.status} {f.path}" for f in result.files]
    trailers = rest.rsplit("\n\n", 1)[1].splitlines()
    assert "Model-Release: llama3-8b-chat@3.1.0" in trailers
    assert "Model-Release: llama3-8b-chat@3.1.1" in trailers
    assert "Environment: prod" in trailers
    assert trailers[-2].startswith("Rendered-By: modelops ") and trailers[-1] == "Modelops-Command: render"
    assert git(example_repo, "log", "-1", "--format=%(trailers:key=Model-Release,valueonly)").count("@") == 7


def test_nothing_changed_means_no_commit(example_repo: Path) -> None:
    render_and_commit(example_repo)
    head = git(example_repo, "rev-parse", "HEAD")
    assert render_and_commit(example_repo).sha is None
    assert git(example_repo, "rev-parse", "HEAD") == head


def test_a_change_names_release_and_environments(example_repo: Path) -> None:
    render_and_commit(example_repo)
    edit(example_repo / "releases/toxicity-classifier.yaml", "maxReplicas: 6", "maxReplicas: 8")
    result = render_and_commit(example_repo, None)
    assert result.message.splitlines()[0] == "render toxicity-classifier (dev, staging, prod)"
    assert {f.status for f in result.files} == {"M"}
    (example_repo / "releases/toxicity-classifier.yaml").unlink()
    result = render_and_commit(example_repo, "retire toxicity v3")
    assert result.message.splitlines()[0] == "retire toxicity v3"
    assert "remove toxicity-classifier (dev, staging, prod)" in result.message


def test_user_staged_and_unstaged_work_is_not_swept_in(example_repo: Path) -> None:
    write(example_repo / "notes.txt", "staged by the user\n")
    git(example_repo, "add", "notes.txt")
    edit(example_repo / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 5")
    render_and_commit(example_repo)
    assert "notes.txt" not in git(example_repo, "show", "--name-only", "--format=", "HEAD")
    status = git(example_repo, "status", "--porcelain")
    assert "A  notes.txt" in status
    assert " M releases/bge-embeddings.yaml" in status


def test_gitignore_cannot_drop_rendered_files(example_repo: Path) -> None:
    write(example_repo / ".gitignore", "rendered/\n")
    result = render_and_commit(example_repo)
    assert len(result.files) == len([p for p in (example_repo / "rendered").rglob("*") if p.is_file()])


def test_refuses_detached_head_locked_index_and_merges(example_repo: Path) -> None:
    repo = commits.open_repo(example_repo)
    (Path(repo.git_dir) / "index.lock").write_text("")
    with pytest.raises(RepositoryError, match=r"index\.lock exists"):
        commits.check_can_commit(repo)
    (Path(repo.git_dir) / "index.lock").unlink()
    git(example_repo, "checkout", "-q", "--detach")
    with pytest.raises(RepositoryError, match="HEAD is detached"):
        commits.check_can_commit(repo)
    git(example_repo, "checkout", "-q", "main")
    (Path(repo.git_dir) / "MERGE_HEAD").write_text(git(example_repo, "rev-parse", "HEAD"))
    with pytest.raises(RepositoryError, match="a merge is in progress"):
        commits.check_can_commit(repo)


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="is not a git repository"):
        commits.open_repo(tmp_path)


def test_uncommitted_inputs_lists_renames_deletions_and_staged_changes(example_repo: Path) -> None:
    git(example_repo, "mv", "releases/bge-embeddings.yaml", "releases/bge.yaml")
    (example_repo / "releases/toxicity-classifier.yaml").unlink()
    edit(example_repo / "environments/dev.yaml", "namespace: models-dev", "namespace: models-dev2")
    git(example_repo, "add", "environments/dev.yaml")
    edit(example_repo / "environments/dev.yaml", "models-dev2", "models-dev3")
    write(example_repo / "templates/release/extra.yaml.j2", "{}\n")
    write(example_repo / "notes.md", "outside the inputs\n")
    found = commits.uncommitted_inputs(commits.open_repo(example_repo))
    assert sorted(found) == [
        ("environments/dev.yaml", "modified"),  # staged, then changed again
        ("releases/bge.yaml", "renamed (staged)"),
        ("releases/toxicity-classifier.yaml", "deleted"),
        ("templates/release/extra.yaml.j2", "untracked"),
    ]


def test_the_index_takes_the_commit_for_rendered_only(example_repo: Path) -> None:
    """A rendered file staged by hand, and one staged that no render makes, give way to the commit; the
    user's other staged work stays staged; git's stat data for rendered/ is fresh (nothing to hash again)."""
    render_and_commit(example_repo)
    manifest = example_repo / "rendered/dev/bge-embeddings/manifest.yaml"
    manifest.write_text(manifest.read_text() + "# edited by hand\n")
    write(example_repo / "rendered/dev/bge-embeddings/extra.yaml", "kind: ConfigMap\n")
    write(example_repo / "notes.txt", "staged by the user\n")
    git(example_repo, "add", "rendered", "notes.txt")
    edit(example_repo / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 5")
    assert render_and_commit(example_repo).sha is not None
    # Before any git status, which would refresh the index itself.
    entries = git(example_repo, "ls-files", "--debug", "--", "rendered/dev/bge-embeddings/manifest.yaml")
    assert "mtime: 0:0" not in entries and "size: 0" not in entries  # stat data refreshed from the file
    assert git(example_repo, "diff", "--cached", "--name-only") == "notes.txt"
    assert git(example_repo, "status", "--porcelain", "--", "rendered") == ""


def test_an_unmerged_file_elsewhere_does_not_stop_the_index_sync(example_repo: Path) -> None:
    """A `git stash pop` conflict in an unrelated file: rendered/ is synced, and no warning says otherwise."""
    write(example_repo / "NOTES.md", "a\n")
    git(example_repo, "add", "NOTES.md")
    git(example_repo, "commit", "-q", "-m", "notes")
    write(example_repo / "NOTES.md", "stashed\n")
    git(example_repo, "stash", "-q")
    write(example_repo / "NOTES.md", "committed\n")
    git(example_repo, "commit", "-q", "-am", "other notes")
    with pytest.raises(subprocess.CalledProcessError):
        git(example_repo, "stash", "pop")
    assert git(example_repo, "ls-files", "-u", "--", "NOTES.md") != ""
    result = render_and_commit(example_repo)
    assert result.sha is not None and result.warning == ""
    assert git(example_repo, "diff", "--cached", "--name-only", "HEAD", "--", "rendered") == ""
