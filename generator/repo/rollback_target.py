"""Which state `rollback` restores: something the environment actually ran, read from its history.

The states come from generator.repo.history (each change of rendered/<env>/<release>/, from
git alone); a state is what a change deployed: model version, artifact URI and digest, image.
A change of replicas or GPUs alone is not a new state, and a state whose files do not name all
four (a mangled or hand-written metadata file) cannot be pinned again, so it is left out.

"Previous" is read from the environment's *path*: walk the states oldest first; a state
already on the path cuts the path back to it (everything after it was gone back on, by a
rollback, a `git revert` or any other commit), any other state is appended.  The last state
of the path is what runs; the one before it is the previous state.  So rolling back twice
goes two steps back (v1, v2, v3 -> v2 -> v1) and never forward to the state just rolled
back from, while a version deployed again after a rollback is on the path again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from generator.errors import ModelOpsError
from generator.layout import MANIFEST_FILE, METADATA_FILE, RENDERED_DIR
from generator.repo import commits, history, running
from generator.repo.history import Entry
from generator.repo.running import Running

if TYPE_CHECKING:
    import git


# A commit of the current branch and what rendered/<env>/<release>/ says there (None: nothing deployed).
Found = tuple[str, Running | None]


class NoTarget(ModelOpsError):
    """The state `rollback` was asked for never ran in that environment (exit 1, nothing written)."""


@dataclass(frozen=True)
class Ran:
    """A state an environment ran, with the commit it (last) started running in."""

    version: str
    uri: str
    digest: str
    image: str
    sha: str

    def key(self) -> tuple[str, str, str, str]:
        return (self.version, self.uri, self.digest, self.image)


def ran(running: Running | None, sha: str) -> Ran | None:
    """`running` as a state that can be pinned again; None when its files do not name all of it."""
    if running is None:
        return None
    values = (running.model_version, running.artifact_uri, running.artifact_digest, running.image)
    if any(value is None for value in values):
        return None
    version, uri, digest, image = (str(value) for value in values)
    return Ran(version, uri, digest, image, sha)


def states(entries: Iterable[Entry]) -> list[Ran]:
    """Each state that began to run, newest first, from the history entries of one release in one environment."""
    out = []
    for entry in entries:
        if entry.before is not None and entry.after is not None and entry.before.deploys() == entry.after.deploys():
            continue  # replicas or GPUs only
        state = ran(entry.after, entry.commit.sha)
        if state is not None:
            out.append(state)
    return out


def path(entries: Iterable[Entry]) -> list[Ran]:
    """The environment's path, oldest first (see the module doc); its last state is what runs now."""
    walked: list[Ran] = []
    for state in reversed(states(entries)):
        keys = [r.key() for r in walked]
        if state.key() in keys:
            del walked[keys.index(state.key()) :]
        walked.append(state)  # a state returned to keeps the newer commit
    return walked


def summary(entries: Iterable[Entry]) -> str:
    """The versions that ran, newest first, each with the commit it last started running in."""
    seen: dict[str, str] = {}
    for state in states(entries):
        seen.setdefault(state.version, state.sha)
    return ", ".join(f"{version} ({sha[:12]})" for version, sha in seen.items()) or "nothing committed"


def _where(release: str, env: str) -> str:
    return f"{release} in {env}"


def previous(entries: list[Entry], release: str, env: str) -> Ran:
    """The state before the current one on the environment's path."""
    walked = path(entries)
    if not walked:
        raise NoTarget(
            f"{_where(release, env)}: no committed render of rendered/{env}/{release}/ says what ran there, "
            "so there is nothing to roll back to (rollback restores what ran: commit renders with "
            "`modelops commit` or --commit)"
        )
    if len(walked) == 1:
        raise NoTarget(
            f"{_where(release, env)} runs {walked[0].version} and has no earlier state to go back to "
            f"(what ran there, newest first: {summary(entries)}); name one with --to or --to-revision"
        )
    return walked[-2]


def of_version(entries: list[Entry], release: str, env: str, version: str) -> Ran:
    """The most recent state of `version` that ran in the environment."""
    for state in states(entries):
        if state.version == version:
            return state
    raise NoTarget(f"{_where(release, env)} never ran version {version}; it ran, newest first: {summary(entries)}")


def of_revision(entries: list[Entry], release: str, env: str, rev: str, found: Found | None) -> Ran:
    """What ran at revision `rev`; `found` is (its commit, what its files say), None when it is not on the branch."""
    ran_there = f"what ran there, newest first: {summary(entries)}"
    if found is None:
        raise NoTarget(f"{rev} is not a commit of the current branch, so nothing of it ran in {env}; {ran_there}")
    sha, running = found
    state = ran(running, sha)
    if running is None:
        raise NoTarget(f"{release} was not deployed to {env} at {rev} ({sha[:12]}); {ran_there}")
    if state is None:
        raise NoTarget(
            f"rendered/{env}/{release}/ at {rev} ({sha[:12]}) does not say which model version, artifact "
            f"and image ran; {ran_there}"
        )
    return state


def at_revision(repo: git.Repo, at: str, env: str, release: str, rev: str) -> Found | None:
    """(commit, what rendered/<env>/<release>/ says at `rev`); None when `rev` is no commit of the current branch."""
    import git as gitpython

    if rev.startswith("-"):
        return None  # never an option to git
    try:
        sha = repo.git.rev_parse("--verify", "--quiet", f"{rev}^{{commit}}").strip()
        if not repo.is_ancestor(repo.commit(sha), repo.head.commit):
            return None
    except gitpython.GitCommandError:
        return None
    base = f"{sha}:{at}{RENDERED_DIR}/{env}/{release}/"
    blobs = history.read_blobs(commits.plumbing_of(repo), [base + METADATA_FILE, base + MANIFEST_FILE])
    meta, manifest = blobs.get(base + METADATA_FILE), blobs.get(base + MANIFEST_FILE)
    return sha, running.read(meta[1] if meta else None, manifest[1] if manifest else None)
