"""Which entries of releases/, environments/ and policies/ are inputs: the same answer from disk and from git."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.errors import InputError
from generator.inputs import discovery
from generator.inputs.sources import GitTree, Source, WorkTree
from generator.repo import commits
from tests.conftest import git, init_repo, write

SPEC = "apiVersion: modelops.io/v1alpha1\n"
NOT_A_SPEC = 'not a release spec: only .yaml and .yml files belong in releases/ (names starting with "." are ignored)'

# Entries that git can hold, and what each must give: an input file (None) or the error naming it.
ENTRIES: dict[str, str | None] = {
    "releases/a.yaml": None,
    "releases/b.yml": None,
    "releases/team-a/c.yaml": None,
    "releases/team-a/deeper/d.yml": None,
    "releases/README.md": NOT_A_SPEC,
    "releases/team-a/e.json": NOT_A_SPEC,
    "releases/team-a/F.YAML": "not read as a release spec: the extension must be lower case; rename it to F.yaml",
    "releases/g.yaml/inside.yaml": None,  # stands for the directory g.yaml, refused below
    "environments/dev.yaml": None,
    "environments/old/qa.yaml": None,  # stands for the directory environments/old
    "policies/security.yml": None,
    "policies/team/extra.yaml": None,  # stands for the directory policies/team
}
REFUSED_DIRECTORIES = {
    "releases/g.yaml": "is a directory, not a release spec",
    "environments/old": "is a directory; environment files are read only directly in environments/, not in "
    "subdirectories",
    "policies/team": "is a directory; policy files are read only directly in policies/, not in subdirectories",
}
HIDDEN = ("releases/.gitkeep", "releases/.drafts/h.yaml", "environments/.dev.yaml.swp", "policies/.gitkeep")


def lay_out(root: Path) -> Path:
    for path in [*ENTRIES, *HIDDEN]:
        write(root / path, SPEC)
    os.symlink("gone.yaml", root / "releases/dangling.yaml")
    os.symlink("../a.yaml", root / "releases/team-a/linked.yaml")
    os.symlink("team-a", root / "releases/team-link")
    return root


def expected_problems() -> list[str]:
    refused = {p: m for p, m in ENTRIES.items() if m is not None} | REFUSED_DIRECTORIES
    refused["releases/dangling.yaml"] = "is a symbolic link to 'gone.yaml', which does not exist"
    refused["releases/team-link"] = (
        "is a symbolic link to a directory; links to directories are not followed in releases/"
    )
    return sorted(f"{path}: {message} [input-file]" for path, message in refused.items())


def problems(source: Source) -> list[str]:
    listings = [
        discovery.release_files(source),
        discovery.files(source, discovery.ENVIRONMENTS),
        discovery.files(source, discovery.POLICIES),
    ]
    return sorted(f"{d.format()} [{d.rule}]" for listing in listings for d in listing.problems)


def working_tree(root: Path) -> Source:
    return WorkTree(root)


def committed(root: Path) -> Source:
    init_repo(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "inputs")
    return GitTree(commits.open_repo(root), "HEAD")


@pytest.mark.parametrize("make_source", [working_tree, committed], ids=["working-tree", "git-commit"])
def test_inputs_and_refusals_are_the_same_on_disk_and_in_git(
    tmp_path: Path, make_source: Callable[[Path], Source]
) -> None:
    source = make_source(lay_out(tmp_path / "repo"))
    assert discovery.release_files(source).files == [
        "releases/a.yaml",
        "releases/b.yml",
        "releases/team-a/c.yaml",
        "releases/team-a/deeper/d.yml",
        "releases/team-a/linked.yaml",
    ]
    assert discovery.files(source, discovery.ENVIRONMENTS).files == ["environments/dev.yaml"]
    assert discovery.files(source, discovery.POLICIES).files == ["policies/security.yml"]
    assert problems(source) == expected_problems()
    # A link is read as the file it points to, in both.
    assert source.read("releases/team-a/linked.yaml") == SPEC.encode()


@pytest.mark.parametrize("make_source", [working_tree, committed], ids=["working-tree", "git-commit"])
def test_a_release_name_is_unique_across_folders(tmp_path: Path, make_source: Callable[[Path], Source]) -> None:
    root = tmp_path / "repo"
    for path in ("releases/team-a/x.yaml", "releases/team-b/x.yaml", "releases/y.yaml", "releases/y.yml"):
        write(root / path, SPEC)
    listing = discovery.release_files(make_source(root))
    with pytest.raises(InputError) as info:
        listing.checked()
    assert [d.format() for d in info.value.diagnostics] == [
        "releases/team-b/x.yaml: release 'x' is also defined in releases/team-a/x.yaml; release names (file names "
        "without the extension) must be unique across releases/ and its folders",
        "releases/y.yml: release 'y' is also defined in releases/y.yaml; release names (file names without the "
        "extension) must be unique across releases/ and its folders",
    ]


def test_special_files_are_refused_not_read(tmp_path: Path) -> None:
    # Git cannot hold a FIFO; reading one would block until a writer came.
    root = tmp_path / "repo"
    (root / "releases").mkdir(parents=True)
    os.mkfifo(root / "releases/pipe.yaml")
    os.symlink("loop.yaml", root / "releases/loop.yaml")
    assert [d.format() for d in discovery.release_files(WorkTree(root)).problems] == [
        "releases/loop.yaml: is a symbolic link that cannot be followed: too many levels of symbolic links",
        "releases/pipe.yaml: is a named pipe (FIFO), not a regular file; refusing to read it",
    ]


def test_a_link_loop_in_git_is_refused_like_on_disk(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "releases/a.yaml", SPEC)
    os.symlink("loop.yaml", root / "releases/loop.yaml")
    source = committed(root)
    assert [d.format() for d in discovery.release_files(source).problems] == [
        "releases/loop.yaml: is a symbolic link that cannot be followed: too many levels of symbolic links"
    ]


def test_no_input_directories_list_nothing(tmp_path: Path) -> None:
    listing = discovery.release_files(WorkTree(tmp_path))
    assert (listing.files, listing.problems) == ([], [])
