from __future__ import annotations

from pathlib import Path

import git

from generator import atomic
from generator.cli import scaffolding
from generator.cli.console import Console
from generator.errors import EXIT_OK, RepositoryError, UsageError

# A directory holding only these may still be initialised: `git clone` of an empty repository.
_ALLOWED = {".git"}


def run(console: Console, directory: Path) -> int:
    """Write a new GitOps repository into `directory` (new or empty) and make it a git repository."""
    _check_target(directory)
    files = scaffolding.files(_place(directory), *_branch_and_origin(directory))
    atomic.populate(directory, files)  # a failure part-way leaves `directory` as it was
    console.say(f"created {directory}:")
    for path in files:
        console.say(f"  {path}")
    console.say(_git_init(directory))
    enter = "" if directory.resolve() == Path.cwd() else f"cd {directory} && "
    # the inputs first, then `modelops commit`: a render committed by hand would carry no trailers
    console.say(
        "next: replace the example.com values left in environments/*.yaml and the example release, then\n"
        f'  {enter}modelops validate && git add -A && git commit -m "Start the GitOps repository" && modelops commit'
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


def _enclosing(directory: Path) -> git.Repo | None:
    """The git work tree `directory` (which may not exist yet) will be in, if any."""
    existing = directory.resolve()
    while not existing.exists():
        existing = existing.parent
    try:
        return git.Repo(existing, search_parent_directories=True)
    except git.InvalidGitRepositoryError:
        return None


def _place(directory: Path) -> str:
    """Where `directory` will sit in an enclosing git work tree: "" when it gets a repository of its own."""
    repo = _enclosing(directory)
    if repo is None:
        return ""
    top = Path(repo.working_tree_dir or directory).resolve()
    inside = directory.resolve().relative_to(top).as_posix()
    return "" if inside == "." else inside + "/"


def _branch_and_origin(directory: Path) -> tuple[str | None, str | None]:
    """The checked-out branch and the origin's URL of the work tree `directory` will be in (a clone of an
    empty repository, a monorepo); (None, None) for a new repository, which gets branch main."""
    repo = _enclosing(directory)
    if repo is None:
        return None, None
    try:
        branch: str | None = repo.active_branch.name
    except TypeError:  # a detached HEAD names no branch
        branch = None
    origin = next((r for r in repo.remotes if r.name == "origin"), None)
    try:
        url = origin.url if origin is not None else None
    except git.GitCommandError:
        url = None
    return branch, url


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
