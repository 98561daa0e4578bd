"""Committing the rendered tree, and nothing else.

The commit is built from the rendered files' known content with git plumbing fed on stdin
(generator.repo.plumbing): HEAD's tree plus the changed paths only, in a private index, so
a user's staged or unstaged work elsewhere is never swept in and a commit of any size works.
The branch moves with a compare-and-swap `update-ref`, so a concurrent writer is never
overwritten.  Like `git commit-tree`, this runs none of the repository's commit hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import git

from generator import __version__, layout
from generator.errors import Diagnostic, Location, RepositoryError
from generator.layout import RENDERED_DIR, is_release_dir
from generator.repo import lock, plumbing, provenance
from generator.repo.provenance import COMMAND_TRAILER, RENDERED_BY

# A message lists this many files, then "... and N more": `git show --stat` has the rest.
LISTED_FILES = 50
# A refusal over uncommitted inputs names this many of them.
LISTED_INPUTS = 20
_REFLOG = "modelops: commit rendered manifests"
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
    warning: str = ""  # the commit stands, but something the user should know went wrong after it


def open_repo(path: Path) -> git.Repo:
    """The git repository whose work tree holds `path` (the GitOps repository may be a subdirectory)."""
    try:
        repo = git.Repo(path, search_parent_directories=True)
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


def head_id(repo: git.Repo) -> str | None:
    """HEAD's commit id; None on an unborn branch (no commit yet).  Asked of git itself: GitPython reads
    refs as SHA-1 ids, and would take every HEAD of a sha256 repository for an unborn branch."""
    try:
        return str(repo.git.rev_parse("--verify", "--quiet", "HEAD^{commit}")).strip() or None
    except git.GitCommandError:
        return None


def prefix(repo: git.Repo, root: Path) -> str:
    """Where the GitOps repository at `root` sits in the git work tree: "" at its top, else "sub/dir/".

    The same answer `render` and `check` get without opening the repository (lock.place).
    """
    return lock.place(root) or ""


_TREES: dict[tuple[str, str, str], dict[str, tuple[str, str]]] = {}


def _tree_files(gitx: plumbing.Git, commit: str, directory: str) -> dict[str, tuple[str, str]]:
    """A copy of `gitx.tree_files` of a commit (by its full id, so what it holds never changes): read once a
    run, for the emptied-environment guard and the commit alike."""
    key = (str(gitx.git_dir), commit, directory)
    if key not in _TREES:
        _TREES.clear()
        _TREES[key] = gitx.tree_files(commit, directory)
    return dict(_TREES[key])


def plumbing_of(repo: git.Repo) -> plumbing.Git:
    """git plumbing in `repo`'s work tree (see generator.repo.plumbing)."""
    return plumbing.Git(Path(repo.working_tree_dir or "."), Path(repo.git_dir))


def commit_rendered(
    repo: git.Repo, files: dict[str, bytes], message_for: Callable[[list[FileChange]], str], at: str = ""
) -> CommitResult:
    """Commit rendered/ as exactly `files` (path -> content, as the writer just wrote them) if it
    differs from HEAD's; `message_for(changes)` writes the message.  `at` is the GitOps repository's
    place in the work tree (see `prefix`); paths in `files` and in the changes are relative to it.

    Only what modelops renders is committed: a file git would ignore, or one that is not
    rendered (a stray `rendered/.env`), is never swept in.
    """
    return commit_blobs(repo, plumbing_of(repo).blob_ids(files), message_for, at)


def commit_blobs(
    repo: git.Repo,
    blobs: Mapping[str, str],
    message_for: Callable[[list[FileChange]], str],
    at: str = "",
    inputs: Mapping[str, str] | None = None,
) -> CommitResult:
    """As commit_rendered, from the blob id of each file (written on disk as it should be), so that
    a run which rendered one release need not read the others: only changed files are hashed into git.

    `inputs` (path -> blob id, relative to `at` as well) are input files committed in the same commit
    as their render (a spec `promote --commit` edited): only those, never the rest of the work tree."""
    branch = check_can_commit(repo)
    head = head_id(repo)
    gitx = plumbing_of(repo)
    before = _tree_files(gitx, head, at + RENDERED_DIR) if head is not None else {}
    ids = {at + path: blob for path, blob in blobs.items()}
    updates = {path: blob for path, blob in ids.items() if before.get(path) != (plumbing.REGULAR, blob)}
    removals = sorted(path for path in before if path not in ids)
    extra = {at + path: blob for path, blob in (inputs or {}).items()}
    for path, blob in extra.items():
        known = gitx.tree_files(head, path) if head is not None else {}
        if known.get(path) != (plumbing.REGULAR, blob):
            before.update(known)  # for the change's status: M when HEAD had it
            updates[path] = blob
            ids[path] = blob
    synced = [at + RENDERED_DIR, *extra]
    if not updates and not removals:
        return CommitResult(None, warning=_sync_index(gitx, head, synced) if head is not None else "")
    changes = sorted(
        [FileChange("M" if path in before else "A", path.removeprefix(at)) for path in updates]
        + [FileChange("D", path.removeprefix(at)) for path in removals],
        key=lambda c: c.path,
    )
    gitx.write_blobs(sorted(updates), ids)
    tree = gitx.tree_with(head, updates, removals)
    message = message_for(changes)
    sha = gitx.commit_tree(tree, head, message)
    gitx.update_ref(f"refs/heads/{branch}", sha, head, _REFLOG)
    # The commit's files below `synced` are `ids` and the inputs, all regular: the tree just written
    # need not be listed again.
    made = {path: (plumbing.REGULAR, blob) for path, blob in {**ids, **extra}.items()}
    return CommitResult(sha, changes, message, _sync_index(gitx, sha, synced, made))


def emptied_since_head(
    repo: git.Repo, files: Mapping[str, object], environments: list[str], at: str = ""
) -> dict[str, int]:
    """Environments whose every release committed at HEAD is gone from `files`: environment -> releases at HEAD.

    The writer's own guard looks at rendered/ on disk; a commit must look at HEAD, which is what
    Argo CD prunes from (rendered/ may have been deleted by hand to force a clean render).
    """
    kept = {p.split("/")[1] for p in files if len(p.split("/")) >= 4 and is_release_dir(p.split("/")[2])}
    bare = [env for env in environments if env not in kept]
    head = head_id(repo) if bare else None  # HEAD's tree (90,012 files at 10,000 releases) only when needed
    if head is None:
        return {}
    committed: dict[str, set[str]] = {}
    for path in _tree_files(plumbing_of(repo), head, at + RENDERED_DIR):
        parts = path.removeprefix(at).split("/")
        if len(parts) >= 4 and is_release_dir(parts[2]):
            committed.setdefault(parts[1], set()).add(parts[2])
    return {env: len(committed[env]) for env in bare if committed.get(env)}


def _sync_index(
    gitx: plumbing.Git, commit: str, paths: list[str], tree: Mapping[str, tuple[str, str]] | None = None
) -> str:
    """Make the user's index agree with `commit` for `paths` (rendered/ and the inputs committed with it,
    only those), or say why it could not.

    Every run does it, so a run killed after moving the branch, or a rendered file staged by hand,
    never lets the user's next `git commit` put the old rendered/ back.
    """
    try:
        gitx.reset_index(commit, [p for path in paths for p in gitx.staged_changes(commit, path)], paths, tree)
    except RepositoryError as exc:
        return (
            f"the index still holds an older {paths[0]}/ ({exc.diagnostics[0].message}); "
            f"run `git reset -q -- {' '.join(paths)}` before your next git commit"
        )
    return ""


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


_STATES = {"?": "untracked", "A": "added", "D": "deleted", "R": "renamed", "C": "copied", "U": "unmerged"}


def uncommitted_inputs(repo: git.Repo, at: str = "") -> list[tuple[str, str]]:
    """(path, what) for each file below the input directories with staged, unstaged or untracked changes.

    One `git status`; paths are relative to `at`, as the user's other paths are."""
    inputs = [f":(top,literal){at}{directory}" for directory in layout.INPUT_DIRS]
    out = plumbing_of(repo).run("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *inputs)
    entries = out.split("\0")
    found: list[tuple[str, str]] = []
    while entries:
        entry = entries.pop(0)
        if len(entry) < 4:
            continue
        state, path = entry[:2], entry[3:]
        if "R" in state or "C" in state:
            entries.pop(0)  # -z lists a rename as `XY new\0old`: the old path needs no line of its own
        what = next((_STATES[c] for c in state if c in _STATES), "modified")
        staged = state[0] not in " ?" and state[1] == " "
        found.append((path.removeprefix(at), f"{what}{' (staged)' if staged else ''}"))
    return found


def refuse_uncommitted_inputs(repo: git.Repo, at: str = "", override: str = "") -> None:
    """RepositoryError listing the input files with uncommitted changes (at most LISTED_INPUTS), if any.

    A render of uncommitted inputs committed alone is what another clone's next render silently
    reverts; `override` names the option that commits it anyway (`--allow-dirty`), if there is one."""
    dirty = uncommitted_inputs(repo, at)
    if not dirty:
        return
    more = f", {len(dirty) - LISTED_INPUTS} more not listed" if len(dirty) > LISTED_INPUTS else ""
    where = ", ".join(f"{d}/" for d in layout.INPUT_DIRS)
    hint = f"commit them first, or pass {override}" if override else "commit them first"
    files = "1 file" if len(dirty) == 1 else f"{len(dirty)} files"
    head = f"{files} in {where} with uncommitted changes{more}; {hint}"
    listed = [Diagnostic(f"uncommitted: {what}", Location(path)) for path, what in dirty[:LISTED_INPUTS]]
    raise RepositoryError([Diagnostic(head), *listed])


def source_commit(repo: git.Repo, at: str = "") -> str | None:
    """HEAD, the commit whose specs are being rendered; `<sha>-dirty` when the inputs have uncommitted changes."""
    head = head_id(repo)
    if head is None:
        return None
    # --ignored too: a git-ignored template renders like any other, but no commit holds it.
    inputs = [f":(top,literal){at}{directory}" for directory in layout.INPUT_DIRS]
    dirty = repo.git.status("--porcelain", "--untracked-files=all", "--ignored", "--", *inputs)
    return f"{head}-dirty" if dirty.strip() else head


def commit_message(
    files: list[FileChange],
    versions: dict[tuple[str, str], str],
    user_message: str | None = None,
    env_order: list[str] | None = None,
    source: str | None = None,
    command: str = "render",
) -> str:
    """Subject naming releases and environments, the files, and `Model-Release: name@version` trailers.

    `versions` maps (environment, release) to the model version rendered there; `env_order`
    lists environments in promotion order; `source` is the spec commit (see `source_commit`);
    `command` is the modelops command that made the commit (render, promote, rollback, set-version).
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
        if parts[-1] in (layout.METADATA_FILE, layout.RECORD_FILE) and (env, release) in versions:
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
    listed = [f"  {c.status} {c.path}" for c in files[:LISTED_FILES]]
    if len(files) > LISTED_FILES:
        listed.append(f"  ... and {len(files) - LISTED_FILES} more files")
    body.append("Files:\n" + "\n".join(listed))
    trailers = sorted({f"Model-Release: {release}@{versions[(env, release)]}" for env, release in touched})
    trailers += sorted({f"Environment: {env}" for env, _ in [*touched, *removed]})
    if source:
        trailers.append(f"{provenance.SOURCE_TRAILER}: {source}")
    trailers.append(f"{RENDERED_BY}: modelops {__version__}")
    trailers.append(f"{COMMAND_TRAILER}: {command}")
    return subject + "\n\n" + "\n\n".join(body) + "\n\n" + "\n".join(trailers) + "\n"
