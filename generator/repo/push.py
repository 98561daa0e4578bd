"""Pushing rendered commits when other writers push to the same branch.

A rejected push is never forced.  Instead the local branch is rebuilt on the remote tip:
the user's own commits are replayed (cherry-picked) and the rendered commits are dropped,
because the caller renders again on top — the new tree then reflects both writers' specs.
If the user's commits do not apply cleanly, everything is put back as it was.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Collection
from dataclasses import dataclass

import git

from generator.errors import RepositoryError
from generator.layout import RENDERED_DIR
from generator.repo.provenance import COMMAND_TRAILER, MANUAL, RENDERED_BY

# Where the branch was when a rebuild started, until the rebuild ends (not under refs/heads: no branch).
REBUILD_REF = "refs/modelops/rebuild-original"
_REJECTED = ("[rejected]", "non-fast-forward", "fetch first", "failed to update ref", "stale info")


class PushRejected(Exception):
    """The remote has commits the local branch lacks."""


@dataclass(frozen=True)
class Target:
    remote: str
    branch: str

    def __str__(self) -> str:
        return f"{self.remote}/{self.branch}"


def target(repo: git.Repo, remote: str | None, branch: str | None) -> Target:
    """The remote and branch to push to: the options, else the upstream, else origin/<current>."""
    local = repo.active_branch
    tracking = local.tracking_branch()
    name = remote or (tracking.remote_name if tracking else "origin")
    if name not in {r.name for r in repo.remotes}:
        known = ", ".join(r.name for r in repo.remotes) or "none"
        raise RepositoryError(f"no git remote named {name!r} (remotes: {known}); add one with `git remote add`")
    if branch is None:
        branch = tracking.remote_head if tracking is not None and tracking.remote_name == name else local.name
    return Target(name, branch)


def _detail(exc: git.GitCommandError) -> str:
    return " ".join(str(exc.stderr or exc).split())


def push(repo: git.Repo, dest: Target) -> None:
    """Push HEAD to dest; PushRejected on a non-fast-forward, RepositoryError on anything else."""
    try:
        repo.git.push("--porcelain", dest.remote, f"HEAD:refs/heads/{dest.branch}")
    except git.GitCommandError as exc:
        text = f"{exc.stdout or ''} {exc.stderr or ''}"
        if any(marker in text for marker in _REJECTED):
            raise PushRejected(_detail(exc)) from None
        raise RepositoryError(f"git push to {dest} failed: {_detail(exc)}") from None


def _is_rendered_commit(repo: git.Repo, sha: str, at: str) -> bool:
    message = "\n" + str(repo.git.show("-s", "--format=%B", sha))  # git's answer: GitPython reads SHA-1 only
    # A hand commit the commit-msg hook stamped is the user's work: replayed, never dropped.
    if f"\n{RENDERED_BY}: modelops" not in message or f"\n{COMMAND_TRAILER}: {MANUAL}" in message:
        return False
    paths = repo.git.diff_tree("--no-commit-id", "--name-only", "-r", "--root", sha).splitlines()
    return all(p.startswith(f"{at}{RENDERED_DIR}/") for p in paths)


def rebuild_on_remote(repo: git.Repo, dest: Target, at: str = "", drop: Collection[str] = ()) -> list[str]:
    """Move the branch onto the fetched remote tip, replaying the user's commits; returns their new ids.

    `at`: where the GitOps repository sits in the work tree (its rendered commits touch only at/rendered/).
    `drop`: commits the caller makes again on top (a `promote --commit`'s spec and render), not replayed."""
    try:
        repo.git.fetch("--quiet", dest.remote, f"refs/heads/{dest.branch}")
        tip = repo.git.rev_parse("FETCH_HEAD")
    except git.GitCommandError as exc:
        raise RepositoryError(f"git fetch from {dest} failed: {_detail(exc)}") from None
    original = repo.git.rev_parse("HEAD").strip()  # git's answer: GitPython reads SHA-1 ids only
    local = repo.git.rev_list("--reverse", f"{tip}..{original}").split()
    replay = [sha for sha in local if sha not in drop and not _is_rendered_commit(repo, sha, at)]
    # Recorded first: a run killed (SIGKILL) between moving the branch and replaying the last commit
    # is put back by the next run (see `recover`), so the user's commits never live only in the reflog.
    repo.git.update_ref(REBUILD_REF, original)
    try:
        repo.git.reset("--keep", tip)
    except git.GitCommandError as exc:
        repo.git.update_ref("-d", REBUILD_REF)
        raise RepositoryError(
            f"cannot move onto {dest} without touching your uncommitted changes ({_detail(exc)}); "
            "commit or stash them and retry"
        ) from None
    try:
        for sha in replay:
            repo.git.cherry_pick("--allow-empty", sha)
    except git.GitCommandError as exc:
        _put_back(repo, original)
        raise RepositoryError(
            f"your commits do not apply on top of {dest} ({_detail(exc)}); nothing was pushed and your branch "
            f"is back at {original[:12]}. Rebase by hand (git pull --rebase), then run modelops commit --push again."
        ) from None
    except BaseException:  # Ctrl-C, SIGTERM: half the commits replayed is never left behind
        _put_back(repo, original)
        raise
    repo.git.update_ref("-d", REBUILD_REF)
    return repo.git.rev_list("--reverse", f"{tip}..HEAD").split()


def recover(repo: git.Repo) -> str | None:
    """Put the branch back where an interrupted rebuild found it; the commit it was at, if there was one."""
    try:
        original = repo.git.rev_parse("--verify", "--quiet", REBUILD_REF).strip()
    except git.GitCommandError:
        return None
    _put_back(repo, original)
    return original


def _put_back(repo: git.Repo, original: str) -> None:
    """The branch exactly as it was before the rebuild; a second Ctrl-C cannot interrupt this."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
    try:
        with contextlib.suppress(git.GitCommandError):
            repo.git.cherry_pick("--abort")
        try:
            repo.git.reset("--keep", original)
        except git.GitCommandError as exc:
            raise RepositoryError(
                f"could not put your branch back at {original[:12]} ({_detail(exc)}); your commits are safe in "
                f"{REBUILD_REF}: run `git reset --keep {original[:12]}` once the working tree allows it"
            ) from None
        repo.git.update_ref("-d", REBUILD_REF)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def ahead(repo: git.Repo, dest: Target) -> bool:
    """Whether HEAD has commits the remote-tracking branch lacks (or there is no tracking ref yet)."""
    ref = f"refs/remotes/{dest.remote}/{dest.branch}"
    try:
        remote_sha = repo.git.rev_parse("--verify", "--quiet", ref)
    except git.GitCommandError:
        return True
    return bool(repo.git.rev_list(f"{remote_sha}..HEAD").strip())
