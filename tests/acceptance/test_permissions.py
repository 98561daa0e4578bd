"""Directories the tool cannot delete (read-only for a user, immutable for root) never end a run."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.repo import lock
from tests.conftest import Runner, edit, git, write


@pytest.fixture
def undeletable(example_repo: Path, run: Runner) -> Iterator[Path]:
    """rendered/ committed, plus a directory inside a release that cannot be deleted: read-only for a
    normal user (chmod 555), immutable for root (chattr +i: root ignores permission bits)."""
    assert run(example_repo, "commit", "-m", "render").exit_code == 0
    stuck = write(example_repo / "rendered/dev/bge-embeddings/scratch/notes.txt", "left by hand\n").parent
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(stuck)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"running as root and chattr +i is not supported here: {done.stderr.strip()}")
        undo = ["chattr", "-i", str(stuck)]
    else:
        stuck.chmod(0o555)
        undo = ["chmod", "755", str(stuck)]
    try:
        yield stuck
    finally:
        subprocess.run(undo, check=False)
        for left in lock.workdir(example_repo).rglob("scratch"):
            subprocess.run([undo[0], undo[1], str(left)], check=False)


def test_a_directory_that_cannot_be_deleted_never_ends_a_run(
    example_repo: Path, run: Runner, undeletable: Path
) -> None:
    edit(example_repo / "releases/bge-embeddings.yaml", "team: search", "team: ranking")
    git(example_repo, "commit", "-qam", "bge: new team")
    result = run(example_repo, "render")
    assert result.exit_code == 0, result.err
    # The release is rendered as the specs say; the stray directory went with the old release.
    assert not undeletable.exists()
    account = example_repo / "rendered/dev/bge-embeddings/manifest.yaml"
    assert "team: ranking" in account.read_text()
    assert run(example_repo, "check").exit_code == 0
    for _ in range(2):  # later runs clean up what they can and go on
        result = run(example_repo, "commit", "-m", "render")
        assert result.exit_code == 0, result.err
    assert git(example_repo, "status", "--porcelain") == ""
    if os.geteuid() != 0:  # a read-only copy is made writable and removed; an immutable one waits for its owner
        assert not list(lock.workdir(example_repo).iterdir())
