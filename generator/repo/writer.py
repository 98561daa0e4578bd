"""Writing the rendered tree: all or nothing, and only below rendered/.

Changed release directories (`rendered/<env>/<release>`, `rendered/<env>/_argocd`) are
built in a staging directory in the tool's own place (`.git/modelops/run-<token>/`, see
generator.repo.lock.workdir), unchanged files hard-linked rather than written again, then
swapped in with renames, one directory at a time, the old ones moved beside the staging; a
failure puts back every directory already swapped.  A one-release change thus touches that
release's directories only.  A crash leaves either the old or the new directory in place plus
its run directory, which the next writer (holding the repository's lock, so every run
directory it finds belongs to a dead run) repairs and removes; because rendering is
deterministic, that run then writes the same tree again.  Nothing outside rendered/ and the
tool's own directory is ever written, moved or removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from generator import atomic
from generator.errors import InputError
from generator.layout import RELEASES_DIR, RENDERED_DIR, is_release_dir
from generator.render.objects import RenderedTree
from generator.repo import lock, staging
from generator.repo.staging import RUN_PREFIX as _RUN_PREFIX
from generator.repo.staging import STAGING as _STAGING
from generator.repo.staging import StagedFiles

_TRASH_PREFIX = "trash-"
_OLD = "old"
_LEGACY = re.compile(r"^\.modelops-(?P<kind>staging|old|trash)-[0-9a-f]{8,}(?:-(?P<name>[^/]+))?$")


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    # Entries in rendered/ that no render writes or removes (see `strays`): reported, never committed.
    strays: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def to_json(self) -> dict[str, object]:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "strays": self.strays,
        }


def _refuse_links(root: Path, rel: str) -> None:
    """No component of rendered/... may be a symlink: a link could send writes outside the repository."""
    current = root
    for part in Path(rel).parts:
        current = current / part
        if current.is_symlink():
            raise InputError.at(
                f"{current.relative_to(root)} is a symbolic link; refusing to write through it", str(rel)
            )


def existing_files(root: Path, scopes: list[str]) -> dict[str, bytes]:
    """Files currently on disk below each scope directory."""
    out: dict[str, bytes] = {}
    for scope in scopes:
        base = root / scope
        _refuse_links(root, scope)
        if base.is_file():
            out[scope] = base.read_bytes()
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            for name in list(dirnames):
                if (Path(dirpath) / name).is_symlink():
                    link = (Path(dirpath) / name).relative_to(root)
                    raise InputError.at(f"{link} is a symbolic link; refusing to write through it", str(link))
            for name in filenames:
                full = Path(dirpath) / name
                rel = full.relative_to(root).as_posix()
                # Links, FIFOs, sockets and devices are never rendered: b"" marks them for replacement or
                # removal without reading them (a FIFO would block the run forever).
                out[rel] = full.read_bytes() if stat.S_ISREG(full.lstat().st_mode) else b""
    return out


def _all_scopes(root: Path, tree: RenderedTree) -> list[str]:
    """The tree's environment directories, plus stale environment directories when rendering everything."""
    scopes = set(tree.scopes)
    rendered = root / RENDERED_DIR
    if rendered.is_dir() and not rendered.is_symlink():
        for entry in rendered.iterdir():
            if not entry.name.startswith(".") and f"{RENDERED_DIR}/{entry.name}" not in scopes and tree.complete:
                scopes.add(f"{RENDERED_DIR}/{entry.name}")
    return sorted(scopes)


def strays(root: Path) -> list[str]:
    """Hidden entries directly in rendered/ (a `.env`, a `.gitignore`): no render writes them and, since
    they may be someone's, none removes them; rendered/ must hold only what modelops renders."""
    rendered = root / RENDERED_DIR
    if not rendered.is_dir() or rendered.is_symlink():
        return []
    own = lock.workdir(root)
    return sorted(
        f"{RENDERED_DIR}/{entry.name}"
        for entry in rendered.iterdir()
        if entry.name.startswith(".") and entry != own and not _LEGACY.match(entry.name)
    )


def emptied_environments(root: Path, tree: RenderedTree, desired: Mapping[str, bytes]) -> dict[str, int]:
    """Environments of `tree` whose every release would go: environment -> releases in rendered/ now."""
    parts = [p.split("/") for p in desired]
    kept = {part[1] for part in parts if len(part) >= 4 and is_release_dir(part[2])}
    out: dict[str, int] = {}
    for scope in tree.scopes:
        directory = root / scope
        if directory.name in kept or not directory.is_dir() or directory.is_symlink():
            continue
        present = [d for d in directory.iterdir() if d.is_dir() and is_release_dir(d.name) and d.name[:1] != "."]
        if present:
            out[directory.name] = len(present)
    return out


def refuse_emptying(emptied: dict[str, int], what: str) -> None:
    """An InputError for the first environment of `emptied` (environment -> releases it would lose);
    `what` says what would remove them, with `{count}` for how many."""
    if emptied:
        env, count = next(iter(sorted(emptied.items())))
        raise InputError.at(
            f"no release is deployed to {env} any more: {what.format(count=count)} {RENDERED_DIR}/{env}/ "
            "(and Argo CD would prune them); pass --allow-empty if that is intended",
            RELEASES_DIR,
        )


def plan(root: Path, tree: RenderedTree, desired: Mapping[str, bytes] | None = None) -> Changes:
    """What writing `tree` would add, change and remove; `desired` is `tree.files()` if already at hand
    (a desired file's bytes are looked at only where rendered/ has that file)."""
    desired = tree.files() if desired is None else desired
    current = existing_files(root, _all_scopes(root, tree))
    changes = Changes(strays=strays(root))
    for path in desired:
        if path not in current:
            changes.added.append(path)
        elif current[path] != desired[path]:
            changes.changed.append(path)
        else:
            changes.unchanged += 1
    changes.removed = sorted(p for p in current if p not in desired)
    return changes


def _backup_name(unit: str) -> str:
    """A unit's path below rendered/ as one file name (`dev%2Fllama`), so backups sit flat in old/."""
    return quote(str(Path(unit).relative_to(RENDERED_DIR)), safe="")


def _restore_or_remove(backups: Path, rendered: Path) -> None:
    """A dead run's backups: each goes back where its live directory is missing (that run died between
    moving the old directory aside and moving the new one in); the others are no longer needed."""
    for backup in sorted(backups.iterdir()):
        live = rendered / unquote(backup.name)
        if not live.exists() and not live.is_symlink():
            live.parent.mkdir(parents=True, exist_ok=True)
            os.rename(backup, live)


def clean_leftovers(root: Path) -> None:
    """Repair and remove what interrupted runs left in the tool's own directory.

    Call it holding the repository's lock: then no other run is writing, and every run directory
    found is a dead run's.  Leftovers of modelops versions that staged inside rendered/ (named
    `.modelops-staging-<hex>`, `.modelops-old-<hex>-<name>`, `.modelops-trash-<hex>-<name>`, in
    rendered/ or an environment directory) are repaired the same way; nothing else is touched.
    """
    rendered = root / RENDERED_DIR
    work = lock.workdir(root)
    if work.is_dir() and not work.is_symlink():
        for run in sorted(work.glob(f"{_RUN_PREFIX}*")):
            if run in staging.LIVE:  # this process's own, still to be written
                continue
            if (run / _OLD).is_dir():
                _restore_or_remove(run / _OLD, rendered)
            with contextlib.suppress(OSError):  # what cannot be deleted costs disk space, never a run
                atomic.remove(run)
        for trash in work.glob(f"{_TRASH_PREFIX}*"):
            with contextlib.suppress(OSError):
                atomic.remove(trash)
    if not rendered.is_dir() or rendered.is_symlink():
        return
    environments = [d for d in sorted(rendered.iterdir()) if d.is_dir() and not d.is_symlink()]
    for parent in [rendered, *(d for d in environments if not _LEGACY.match(d.name))]:
        # Names first, Paths only for the few that look like leftovers: an environment has thousands of entries.
        for entry in (parent / name for name in sorted(os.listdir(parent)) if name.startswith(".modelops-")):
            legacy = _LEGACY.match(entry.name)
            if legacy is None or entry.is_symlink():
                continue
            live = parent / legacy.group("name") if legacy.group("kind") == "old" and legacy.group("name") else None
            if live is not None and not live.exists() and not live.is_symlink():
                os.rename(entry, live)
            else:
                atomic.remove(entry)


def _discard(run: Path) -> None:
    """This run's backups and staging directory: the swap succeeded, so they are no longer needed.

    The run directory is first renamed to a trash name, atomically: a crash while deleting it then
    leaves trash, which the next run deletes, never a half-deleted backup it would restore.  A
    failure to delete (a read-only directory among the backups) costs only disk space: it is the
    tool's own directory, and the next run tries again.
    """
    staging.LIVE.discard(run)
    trash = run.parent / f"{_TRASH_PREFIX}{run.name}"
    try:
        os.rename(run, trash)
        atomic.remove(trash)
    except OSError:
        pass


def _stage(
    root: Path, files: Mapping[str, bytes], paths: list[str], unchanged: set[str], staging_dir: Path, staged: set[str]
) -> None:
    """Build the new directories of `paths` in `staging_dir`: unchanged files hard-linked, the rest written
    (unless they are `staged` there already), then synced.

    Linking keeps a changed release from rewriting (and syncing) its unchanged files.
    """
    written: list[str] = []
    made: set[str] = set()  # a unit's files share a directory: one mkdir each, not one per file
    # Strings rather than Paths: at 10,000 releases this loop runs 90,000 times.
    for path in paths:
        target = staging.target(staging_dir, path)
        if path in staged:
            written.append(target)
            continue
        directory = target.rpartition("/")[0]
        if directory not in made:
            os.makedirs(directory, exist_ok=True)
            made.add(directory)
        if path in unchanged:
            try:
                os.link(f"{root}/{path}", target)
                continue
            except OSError:
                pass  # a file system without hard links: write it like the others
        staging.write_file(target, files[path])
        written.append(target)
    atomic.sync_written(written, staging_dir)


def _prefixes(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(2, len(parts) + 1)]


def _outermost(units: set[str]) -> list[str]:
    """Units not inside another unit (a stray file named like an environment holds that environment)."""
    return sorted(u for u in units if not any(p in units for p in _prefixes(u)[:-1]))


def _unit(path: str) -> str:
    """What is swapped as one: the directory rendered/<env>/<release> (or _argocd) holding `path`,
    or `path` itself for a stray file directly in rendered/ or in an environment's directory."""
    parts = path.split("/")
    return "/".join(parts[:3]) if len(parts) >= 4 else path


def _roll_back(swapped: list[tuple[Path, Path, Path]]) -> None:
    """Put the old environment directories back after a failed swap (newest first)."""
    for new, live, backup in reversed(swapped):
        if live.exists() and not new.exists():
            os.rename(live, new)
        if backup.exists():
            os.rename(backup, live)


def write(
    root: Path, tree: RenderedTree, allow_empty: bool = False, desired: Mapping[str, bytes] | None = None
) -> Changes:
    """Make rendered/ match `tree` exactly (within its scopes); returns what changed.

    `desired` is `tree.files()` if the caller has already encoded it, or the files an incremental run
    staged (generator.repo.staging): their run directory is then the one swapped from.

    Hold the repository's lock (generator.repo.lock.held) around it: one writer at a time.  A write
    that would remove every release of an environment is refused unless `allow_empty`: that is
    what a missing or misspelt releases/ would do, and Argo CD would prune every workload.
    """
    root = root.resolve()
    ahead = desired.staging if isinstance(desired, StagedFiles) else None
    clean_leftovers(root)
    _refuse_links(root, RENDERED_DIR)
    desired = tree.files() if desired is None else desired  # encoded once, for the plan and the staging
    if not allow_empty:
        refuse_emptying(emptied_environments(root, tree, desired), "writing would remove all {count} releases in")
    changes = plan(root, tree, desired)
    if changes.empty:
        if ahead is not None:
            ahead.discard()
        return changes
    rendered = root / RENDERED_DIR
    created = not rendered.exists()
    if ahead is not None:
        ahead.taken = True  # from here on this run's failure removes the run directory, staging and all
    run = ahead.run if ahead is not None else lock.workdir(root) / f"{_RUN_PREFIX}{uuid.uuid4().hex[:12]}"
    staging_dir, backups = run / _STAGING, run / _OLD
    swapped: list[tuple[Path, Path, Path]] = []
    made: list[Path] = []  # environment directories this run created
    rewritten = {*changes.added, *changes.changed}
    units = _outermost({_unit(p) for p in (*rewritten, *changes.removed)})
    chosen = set(units)
    paths = [p for p in desired if any(prefix in chosen for prefix in _prefixes(p))]
    try:
        rendered.mkdir(exist_ok=True)
        backups.mkdir(parents=True)
        on_disk = ahead.on_disk() if ahead is not None else set()
        _stage(root, desired, paths, {p for p in paths if p not in rewritten}, staging_dir, on_disk)
        for unit in units:
            new, live = staging_dir / Path(unit).relative_to(RENDERED_DIR), root / unit
            if not live.parent.exists():
                live.parent.mkdir()
                made.append(live.parent)
            backup = backups / _backup_name(unit)
            if live.exists() or live.is_symlink():
                os.rename(live, backup)
            swapped.append((new, live, backup))
            if new.exists():
                os.rename(new, live)
    except BaseException as exc:  # also Ctrl-C: leave the old tree, not a mix of old and new releases
        _roll_back(swapped)
        shutil.rmtree(run, ignore_errors=True)
        staging.LIVE.discard(run)
        for directory in reversed(made):
            with contextlib.suppress(OSError):
                directory.rmdir()
        if created and rendered.is_dir() and not any(rendered.iterdir()):
            rendered.rmdir()
        if not isinstance(exc, OSError):
            raise
        raise staging.written_nothing(exc) from None
    for parent in sorted({live.parent for _, live, _ in swapped}):  # the renames are durable before any delete
        atomic.fsync(parent)
    _discard(run)
    _remove_emptied(rendered, desired)
    return changes


def _remove_emptied(rendered: Path, desired: Mapping[str, bytes]) -> None:
    """Environment directories whose every release went (a stale environment) go too."""
    keep = {p.split("/")[1] for p in desired}
    for entry in rendered.iterdir():
        if entry.is_dir() and not entry.is_symlink() and entry.name not in keep and not any(entry.iterdir()):
            entry.rmdir()
