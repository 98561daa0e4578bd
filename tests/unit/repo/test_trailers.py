"""Trailers of commits that change rendered/: parsed by git, checked over a range, stamped by the commit-msg hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import __version__
from generator.errors import RepositoryError, UsageError
from generator.repo import plumbing, trailers
from generator.repo.commits import FileChange, commit_message
from tests.conftest import git, init_repo, write

STAMP = [f"Rendered-By: modelops {__version__}", "Modelops-Command: manual"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo").mkdir()
    return init_repo(tmp_path / "repo")


def gitx(repo: Path) -> plumbing.Git:
    return plumbing.Git(repo, repo / ".git")


def commit(repo: Path, message: str, **files: str) -> str:
    for path, text in files.items():
        write(repo / path.replace("__", "/"), text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def test_parse_reads_only_the_last_paragraph_as_git_does(repo: Path) -> None:
    message = "fix: a subject that looks like a trailer\n\nBody: not a trailer\nmore text\n\nRendered-By: modelops 1\n"
    assert trailers.parse(gitx(repo), message) == [("Rendered-By", "modelops 1")]
    assert trailers.parse(gitx(repo), "fix: only a subject\n") == []


def test_what_a_rendered_commit_needs() -> None:
    either = "Source-Commit or Modelops-Command"
    assert trailers.missing([]) == ["Rendered-By", either]
    assert trailers.missing([("rendered-by", "modelops 1"), ("Source-Commit", "abc")]) == []
    assert trailers.missing([("Rendered-By", "modelops 1"), ("Modelops-Command", "manual")]) == []
    assert trailers.missing([("Rendered-By", "modelops 1")]) == [either]
    assert trailers.missing([("Rendered-By", ""), ("Modelops-Command", "render")]) == ["Rendered-By"]


def test_the_message_modelops_commit_writes_carries_them(repo: Path) -> None:
    message = commit_message([FileChange("A", "rendered/dev/m/manifest.yaml")], {("dev", "m"): "1.0"}, source="abc")
    assert trailers.missing(trailers.parse(gitx(repo), message)) == []


def test_offenders_lists_hand_commits_of_rendered_newest_first(repo: Path) -> None:
    base = commit(repo, "specs", releases__m="a\n")
    commit(repo, "docs only", README="x\n")
    first = commit(repo, "hand render", rendered__dev__m="1\n")
    commit(repo, "stamped\n\n" + "\n".join(STAMP), rendered__dev__m="2\n")
    last = commit(repo, "half\n\nRendered-By: modelops 1", rendered__prod__m="3\n")
    count, found = trailers.offenders(gitx(repo), f"{base}..HEAD")
    assert count == 3
    assert [(o.sha, o.subject, o.missing) for o in found] == [
        (last, "half", ["Source-Commit or Modelops-Command"]),
        (first, "hand render", ["Rendered-By", "Source-Commit or Modelops-Command"]),
    ]
    assert trailers.offenders(gitx(repo), "HEAD~1..HEAD")[0] == 1
    assert trailers.offenders(gitx(repo), "HEAD")[0] == 3  # a single revision: all its history


def test_offenders_leave_merges_out_and_read_a_subdirectory(repo: Path) -> None:
    base = commit(repo, "start", README="x\n")
    git(repo, "checkout", "-q", "-b", "side")
    side = commit(repo, "side render", ops__rendered__dev__m="1\n")
    git(repo, "checkout", "-q", "main")
    commit(repo, "main docs", docs="y\n")
    git(repo, "merge", "-q", "--no-edit", "side")
    count, found = trailers.offenders(gitx(repo), f"{base}..HEAD", "ops/")
    assert count == 1 and [o.sha for o in found] == [side]
    assert trailers.offenders(gitx(repo), f"{base}..HEAD", "") == (0, [])


def test_a_bad_range_is_a_usage_or_repository_error(repo: Path) -> None:
    commit(repo, "start", README="x\n")
    for bad in ("", "-p", "--output=/tmp/x", "a b", "a..b..c"):
        with pytest.raises(UsageError):
            trailers.offenders(gitx(repo), bad)
    with pytest.raises(RepositoryError, match="unknown git revision 'origin/main'"):
        trailers.offenders(gitx(repo), "origin/main..HEAD")


def test_an_unknown_revision_in_a_shallow_clone_says_how_to_fetch_it(repo: Path, tmp_path: Path) -> None:
    commit(repo, "one", README="1\n")
    commit(repo, "two", README="2\n")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    old = git(repo, "rev-parse", "HEAD~1")
    with pytest.raises(RepositoryError, match=r"shallow clone.*fetch-depth: 0"):
        trailers.offenders(gitx(clone), f"{old}..HEAD")


def message_file(repo: Path, text: str) -> Path:
    return write(repo / ".git/COMMIT_EDITMSG", text)


def test_stamp_adds_the_trailers_when_rendered_is_staged(repo: Path) -> None:
    commit(repo, "start", README="x\n")
    write(repo / "rendered/dev/m/manifest.yaml", "1\n")
    git(repo, "add", "-A")
    path = message_file(repo, "scale m\n\nwhy it scales\n# Please enter the commit message\n")
    assert trailers.stamp(gitx(repo), path) == STAMP
    assert (
        path.read_text() == "scale m\n\nwhy it scales\n\n" + "\n".join(STAMP) + "\n# Please enter the commit message\n"
    )
    assert trailers.stamp(gitx(repo), path) == []  # already there: nothing added twice


def test_stamp_completes_what_is_missing_and_keeps_other_trailers(repo: Path) -> None:
    write(repo / "rendered/dev/m/manifest.yaml", "1\n")  # the first commit: no HEAD yet
    git(repo, "add", "-A")
    path = message_file(repo, "first\n\nSigned-off-by: A <a@example.com>\nRendered-By: modelops 0.0.1\n")
    assert trailers.stamp(gitx(repo), path) == ["Modelops-Command: manual"]
    assert trailers.parse(gitx(repo), path.read_text()) == [
        ("Signed-off-by", "A <a@example.com>"),
        ("Rendered-By", "modelops 0.0.1"),
        ("Modelops-Command", "manual"),
    ]


def test_stamp_leaves_other_commits_alone(repo: Path) -> None:
    commit(repo, "start", README="x\n", rendered__dev__m="1\n")
    write(repo / "releases/m.yaml", "spec\n")
    write(repo / "rendered/dev/m", "unstaged\n")
    git(repo, "add", "releases")
    text = "spec only\n"
    assert trailers.stamp(gitx(repo), message_file(repo, text)) == []
    assert (repo / ".git/COMMIT_EDITMSG").read_text() == text
    # In a subdirectory repository, only its own rendered/ counts.
    git(repo, "add", "-A")
    assert trailers.stamp(gitx(repo), message_file(repo, text), "ops/") == []


def test_stamp_keeps_an_empty_message_empty_and_merges_as_they_are(repo: Path) -> None:
    commit(repo, "start", README="x\n")
    write(repo / "rendered/dev/m/manifest.yaml", "1\n")
    git(repo, "add", "-A")
    scissors = "# ------------------------ >8 ------------------------"
    for text in ("\n# Please enter the commit message\n", f"# comment\n{scissors}\ndiff --git a/x b/x\n+Key: v\n"):
        assert trailers.stamp(gitx(repo), message_file(repo, text)) == []  # git aborts it: no trailer may save it
        assert (repo / ".git/COMMIT_EDITMSG").read_text() == text
    write(repo / ".git/MERGE_HEAD", git(repo, "rev-parse", "HEAD") + "\n")
    merge = "Merge branch 'side'\n\n# Conflicts:\n#\trendered/dev/m/manifest.yaml\n"
    assert trailers.stamp(gitx(repo), message_file(repo, merge)) == []
    assert (repo / ".git/COMMIT_EDITMSG").read_text() == merge


def test_stamp_of_a_fixup_keeps_its_subject(repo: Path) -> None:
    commit(repo, "start", README="x\n")
    write(repo / "rendered/dev/m/manifest.yaml", "1\n")
    git(repo, "add", "-A")
    path = message_file(repo, "fixup! start\n")
    assert trailers.stamp(gitx(repo), path) == STAMP
    assert path.read_text().splitlines()[0] == "fixup! start"


def test_a_push_rebuild_replays_a_stamped_hand_commit_and_drops_a_modelops_one(repo: Path) -> None:
    """Only modelops's own render commits are made again on the new remote tip; a hand commit is the user's."""
    import git as gitpython

    from generator.repo import push

    stamped = commit(repo, "hand render\n\n" + "\n".join(STAMP), rendered__dev__m="1\n")
    by_modelops = f"render m (dev)\n\nRendered-By: modelops {__version__}\nModelops-Command: render"
    rendered = commit(repo, by_modelops, rendered__dev__m="2\n")
    opened = gitpython.Repo(repo)
    assert not push._is_rendered_commit(opened, stamped, "")
    assert push._is_rendered_commit(opened, rendered, "")
