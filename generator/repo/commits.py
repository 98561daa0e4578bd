"""Committing the rendered tree with GitPython, and nothing else.

The commit is built in a private index (GIT_INDEX_FILE) from HEAD plus rendered/, so a
user's staged or unstaged work elsewhere is never swept in, and the branch moves with a
compare-and-swap `update-ref` so a concurrent writer cannot be overwritten.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import git

from generator import __version__, layout
from generator.errors import RepositoryError
from generator.layout import RENDERED_DIR
from generator.repo import provenance

RENDERED_BY = "Rendered-By"
ZERO = "0" * 40
_IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase",
}


@dataclass
class FileChange:
    status: str  # A, M or D
    path: str


@dataclass
class CommitResult:
    sha: str | None
    files: list[FileChange] = field(default_factory=list)
    message: str = ""


def open_repo(path: Path) -> git.Repo:
    try:
        repo = git.Repo(path)
    except git.NoSuchPathError:
        raise RepositoryError(f"{path} does not exist") from None
    except git.InvalidGitRepositoryError:
        raise RepositoryError(f"{path} is not a git repository (run `git init` first)") from None
    if repo.bare:
        raise RepositoryError(f"{path} is a bare repository; modelops needs a working tree")
    return repo


def _git_error(action: str, exc: git.GitCommandError) -> RepositoryError:
    detail = (exc.stderr or exc.stdout or "").strip().removeprefix("stderr:").strip().strip("'").strip()
    return RepositoryError(f"git {action} failed: {detail or exc}")


def check_can_commit(repo: git.Repo) -> str:
    """The branch HEAD points at; refuses states in which a commit could lose work."""
    git_dir = Path(repo.git_dir)
    if (git_dir / "index.lock").exists():
        raise RepositoryError(
            f"{git_dir / 'index.lock'} exists: another git command is running, or one crashed. "
            "If no git command is running, remove the file and retry."
        )
    for marker, what in _IN_PROGRESS.items():
        if (git_dir / marker).exists():
            raise RepositoryError(f"{what} is in progress; finish or abort it before committing")
    if repo.head.is_detached:
        raise RepositoryError("HEAD is detached; check out a branch before committing")
    return repo.head.reference.name


def head_commit(repo: git.Repo) -> git.Commit | None:
    try:
        return repo.head.commit
    except ValueError:  # unborn branch: no commit yet
        return None


def _staged_tree(repo: git.Repo, head: git.Commit | None) -> str:
    """Tree id of HEAD with rendered/ replaced by the working tree's rendered/."""
    fd, index = tempfile.mkstemp(prefix="modelops-index-", dir=repo.git_dir)
    os.close(fd)
    os.unlink(index)
    env = {"GIT_INDEX_FILE": index}
    try:
        if head is not None:
            repo.git.read_tree(head.hexsha, env=env)
        if (Path(repo.working_tree_dir or ".") / RENDERED_DIR).exists():
            # --force: a .gitignore must not silently drop rendered files from the commit.
            repo.git.add("--all", "--force", "--", RENDERED_DIR, env=env)
        else:
            repo.git.rm("-r", "--cached", "--quiet", "--ignore-unmatch", "--", RENDERED_DIR, env=env)
        return str(repo.git.write_tree(env=env))
    except git.GitCommandError as exc:
        raise _git_error("staging rendered/", exc) from None
    finally:
        if os.path.exists(index):
            os.unlink(index)


def tree_changes(repo: git.Repo, old_tree: str | None, new_tree: str) -> list[FileChange]:
    base = old_tree or repo.git.hash_object("-t", "tree", "/dev/null")
    out = repo.git.diff_tree("-r", "--no-renames", "--name-status", base, new_tree, "--", RENDERED_DIR)
    changes = []
    for line in out.splitlines():
        status, _, path = line.partition("\t")
        changes.append(FileChange(status[:1], path))
    return changes


def commit_rendered(repo: git.Repo, message_for: Callable[[list[FileChange]], str]) -> CommitResult:
    """Commit rendered/ if it differs from HEAD; `message_for(files)` writes the message."""
    branch = check_can_commit(repo)
    head = head_commit(repo)
    new_tree = _staged_tree(repo, head)
    old_tree = head.tree.hexsha if head is not None else None
    if new_tree == old_tree:
        return CommitResult(None)
    files = tree_changes(repo, old_tree, new_tree)
    if not files:
        return CommitResult(None)
    message = message_for(files)
    try:
        parents = ["-p", head.hexsha] if head is not None else []
        sha = str(repo.git.commit_tree(new_tree, *parents, "-m", message))
        repo.git.update_ref(
            "-m",
            "modelops: commit rendered manifests",
            f"refs/heads/{branch}",
            sha,
            head.hexsha if head is not None else ZERO,
        )
    except git.GitCommandError as exc:
        raise _git_error("commit", exc) from None
    # Make the user's index agree with the new commit for rendered/ only.  If that fails the
    # commit still stands; `git status` shows rendered/ as modified until the next reset.
    with contextlib.suppress(git.GitCommandError):
        repo.git.reset("-q", sha, "--", RENDERED_DIR)
    return CommitResult(sha, files, message)


def subject_line(
    pairs: Iterable[tuple[str, str]], removed: Iterable[tuple[str, str]], env_order: list[str] | None = None
) -> str:
    """`render llama3-8b-chat (dev, staging); remove old-model (prod)`, shortened to 72 characters."""
    rank = {env: i for i, env in enumerate(env_order or [])}

    def group(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for env, release in items:
            out.setdefault(release, [])
            if env not in out[release]:
                out[release].append(env)
        return {r: sorted(envs, key=lambda e: (rank.get(e, len(rank)), e)) for r, envs in out.items()}

    parts = []
    updated, gone = group(pairs), group(removed)
    if updated:
        parts.append("render " + ", ".join(f"{r} ({', '.join(e)})" for r, e in sorted(updated.items())))
    if gone:
        parts.append("remove " + ", ".join(f"{r} ({', '.join(e)})" for r, e in sorted(gone.items())))
    subject = "; ".join(parts) or "render manifests"
    if len(subject) > 72:
        envs = {e for items in (updated, gone) for es in items.values() for e in es}
        subject = f"render {len(updated)} releases, remove {len(gone)} in {len(envs)} environments"
        if not gone:
            subject = f"render {len(updated)} releases in {len(envs)} environments"
    return subject




def source_commit(repo: git.Repo) -> str | None:
    """HEAD, the commit whose specs are being rendered; `<sha>-dirty` when the inputs have uncommitted changes."""
    head = head_commit(repo)
    if head is None:
        return None
    # --ignored too: a git-ignored template renders like any other, but no commit holds it.
    dirty = repo.git.status("--porcelain", "--untracked-files=all", "--ignored", "--", *layout.INPUT_DIRS)
    return f"{head.hexsha}-dirty" if dirty.strip() else head.hexsha


def commit_message(
    files: list[FileChange],
    versions: dict[tuple[str, str], str],
    user_message: str | None = None,
    env_order: list[str] | None = None,
    source: str | None = None,
) -> str:
    """Subject naming releases and environments, the files, and `Model-Release: name@version` trailers.

    `versions` maps (environment, release) to the model version rendered there; `env_order`
    lists environments in promotion order; `source` is the spec commit (see `source_commit`).
    """
    touched: list[tuple[str, str]] = []
    removed: list[tuple[str, str]] = []
    # Only new provenance (the spec changed for another environment): not a deployment change.
    provenance_only: list[tuple[str, str]] = []
    for change in files:
        parts = change.path.split("/")
        if len(parts) < 4:
            continue
        env, release = parts[1], parts[2]
        if release.startswith("_"):
            continue
        if parts[-1] == layout.METADATA_FILE and (env, release) in versions:
            provenance_only.append((env, release))
            continue
        (touched if (env, release) in versions else removed).append((env, release))
    if not touched and not removed:
        touched = provenance_only
    subject = subject_line(touched, removed, env_order)
    body: list[str] = []
    if user_message:
        first, _, rest = user_message.strip().partition("\n")
        body.append(subject)
        subject = first.strip()
        if rest.strip():
            body.append(rest.strip())
    body.append("Files:\n" + "\n".join(f"  {c.status} {c.path}" for c in files))
    trailers = sorted({f"Model-Release: {release}@{versions[(env, release)]}" for env, release in touched})
    trailers += sorted({f"Environment: {env}" for env, _ in [*touched, *removed]})
    if source:
        trailers.append(f"{provenance.SOURCE_TRAILER}: {source}")
    trailers.append(f"{RENDERED_BY}: modelops {__version__}")
    return subject + "\n\n" + "\n\n".join(body) + "\n\n" + "\n".join(trailers) + "\n"
