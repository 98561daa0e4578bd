from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import git

from generator.cli import scaffolding
from generator.cli.console import Console
from generator.errors import EXIT_OK, RepositoryError, UsageError

# A directory holding only these may still be initialised: `git clone` of an empty repository.
_ALLOWED = {".git"}


def run(console: Console, directory: Path) -> int:
    """Write a new GitOps repository into `directory` (new or empty) and make it a git repository."""
    _check_target(directory)
    files = scaffolding.files()
    _write(directory, files)
    console.say(f"created {directory}:")
    for path in files:
        console.say(f"  {path}")
    console.say(_git_init(directory))
    console.say(
        "next: replace the example.com values in environments/*.yaml and the example release, then\n"
        f"  cd {directory} && modelops render && modelops validate && git add -A && git commit"
    )
    return EXIT_OK


def _check_target(directory: Path) -> None:
    if not directory.exists():
        return
    if not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a directory")
    try:
        present = sorted(entry.name for entry in directory.iterdir() if entry.name not in _ALLOWED)
    except OSError as exc:
        raise UsageError(f"{directory}: cannot list it: {exc.strerror or exc}") from None
    if present:
        listed = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
        raise UsageError(f"{directory} is not empty ({listed}); modelops init only creates new repositories")


def _write(directory: Path, files: dict[str, bytes]) -> None:
    """Stage every file beside `directory`, then move the top-level entries in; on failure, remove them.

    A failure part-way (a full disk) leaves `directory` as it was, so running init again works.
    """
    created = not directory.exists()
    moved: list[Path] = []
    staging: Path | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".modelops-init-", dir=directory.resolve().parent))
        for rel, content in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        for entry in sorted(staging.iterdir()):
            target = directory / entry.name
            os.rename(entry, target)
            moved.append(target)
    except BaseException as exc:  # also Ctrl-C: never leave half a repository
        for target in moved:
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink()
        if created and directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
        if not isinstance(exc, OSError):
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        raise RepositoryError(f"could not write {directory}: {exc.strerror or exc}{where}") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _git_init(directory: Path) -> str:
    """`git init -b main` unless `directory` is already inside a git work tree; says which."""
    try:
        repo = git.Repo(directory, search_parent_directories=True)
    except git.InvalidGitRepositoryError:
        pass
    else:
        return f"inside the git repository {repo.working_tree_dir}: not running git init"
    try:
        git.Repo.init(directory, initial_branch="main")
    except git.GitCommandError as exc:
        detail = (exc.stderr or "").strip().removeprefix("stderr:").strip().strip("'")
        raise RepositoryError(f"the files are written, but git init failed: {detail}") from None
    return "initialised an empty git repository (branch main); nothing is committed yet"
