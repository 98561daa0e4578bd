"""Writing the rendered tree: all or nothing, and only below rendered/.

Changed release directories (`rendered/<env>/<release>`, `rendered/<env>/_argocd`) are
built in a staging directory inside rendered/, unchanged files hard-linked rather than
written again, then swapped in with renames, one directory at a time; a failure puts back
every directory already swapped.  A one-release change thus touches that release's
directories only.  A crash leaves either the old or the new directory in place plus
leftovers named `.modelops-*`, which the next run repairs or removes; because rendering is
deterministic, the next run then writes the same tree again.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from generator import atomic
from generator.errors import InputError, RepositoryError
from generator.layout import RENDERED_DIR
from generator.render.objects import RenderedTree

_LEFTOVER_PREFIX = ".modelops-"
_BACKUP = re.compile(r"^\.modelops-old-[0-9a-f]{12}-(?P<name>[^/]+)$")


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def to_json(self) -> dict[str, object]:
        return {"added": self.added, "changed": self.changed, "removed": self.removed, "unchanged": self.unchanged}


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
                out[rel] = b"" if full.is_symlink() else full.read_bytes()
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


def plan(root: Path, tree: RenderedTree, desired: dict[str, bytes] | None = None) -> Changes:
    """What writing `tree` would add, change and remove; `desired` is `tree.files()` if already at hand."""
    desired = tree.files() if desired is None else desired
    current = existing_files(root, _all_scopes(root, tree))
    changes = Changes()
    for path, data in desired.items():
        if path not in current:
            changes.added.append(path)
        elif current[path] != data:
            changes.changed.append(path)
        else:
            changes.unchanged += 1
    changes.removed = sorted(p for p in current if p not in desired)
    return changes


def clean_leftovers(root: Path) -> None:
    """Repair what an interrupted run left behind.

    A backup whose live entry is missing goes back in place: that run died after moving the old
    directory aside and before moving the new one in.  Every other staging or backup entry goes.
    """
    rendered = root / RENDERED_DIR
    parents = [root, rendered]
    if rendered.is_dir() and not rendered.is_symlink():
        parents += [d for d in sorted(rendered.iterdir()) if d.is_dir() and not d.is_symlink()]
    for parent in parents:
        if not parent.is_dir() or parent.is_symlink():
            continue
        for entry in sorted(parent.iterdir()):
            if not entry.name.startswith(_LEFTOVER_PREFIX) or entry.is_symlink():
                continue
            backup = _BACKUP.match(entry.name)
            live = parent / backup.group("name") if backup else None
            if live is not None and not live.exists() and not live.is_symlink():
                os.rename(entry, live)
            else:
                atomic.remove(entry)


def _discard(backups: list[Path], staging: Path, token: str) -> None:
    """This run's backups and staging directory: the swap succeeded, so they are no longer needed.

    Each backup is first renamed to a trash name, atomically: a crash while deleting it then
    leaves trash, which the next run deletes, never a half-deleted backup it would restore.
    """
    for entry in [*backups, staging]:
        if entry.exists() and not entry.is_symlink():
            trash = entry.parent / f"{_LEFTOVER_PREFIX}trash-{token}-{entry.name}"
            os.rename(entry, trash)
            atomic.remove(trash)


def _write_file(target: Path, data: bytes) -> None:
    with open(target, "wb") as handle:
        handle.write(data)


def _stage(root: Path, files: dict[str, bytes], unchanged: set[str], staging: Path) -> None:
    """Build the new directories in `staging`: unchanged files hard-linked, the rest written, then synced.

    Linking keeps a changed release from rewriting (and syncing) its unchanged files.
    """
    written: list[Path] = []
    for path, data in files.items():
        if not path.startswith(RENDERED_DIR + "/") or ".." in Path(path).parts:
            raise AssertionError(f"refusing to write outside {RENDERED_DIR}/: {path}")
        target = staging / Path(path).relative_to(RENDERED_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path in unchanged:
            try:
                os.link(root / path, target)
                continue
            except OSError:
                pass  # a file system without hard links: write it like the others
        _write_file(target, data)
        written.append(target)
    atomic.sync_written(written, staging)


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


def write(root: Path, tree: RenderedTree) -> Changes:
    """Make rendered/ match `tree` exactly (within its scopes); returns what changed."""
    root = root.resolve()
    clean_leftovers(root)
    _refuse_links(root, RENDERED_DIR)
    desired = tree.files()  # encoded once, for the plan and the staging
    changes = plan(root, tree, desired)
    if changes.empty:
        return changes
    rendered = root / RENDERED_DIR
    created = not rendered.exists()
    rendered.mkdir(exist_ok=True)
    token = uuid.uuid4().hex[:12]
    staging = rendered / f"{_LEFTOVER_PREFIX}staging-{token}"
    swapped: list[tuple[Path, Path, Path]] = []
    made: list[Path] = []  # environment directories this run created
    rewritten = {*changes.added, *changes.changed}
    units = _outermost({_unit(p) for p in (*rewritten, *changes.removed)})
    chosen = set(units)
    staged = {p: d for p, d in desired.items() if any(prefix in chosen for prefix in _prefixes(p))}
    try:
        _stage(root, staged, {p for p in staged if p not in rewritten}, staging)
        for unit in units:
            name = Path(unit).relative_to(RENDERED_DIR)
            new, live = staging / name, root / unit
            if not live.parent.exists():
                live.parent.mkdir()
                made.append(live.parent)
            backup = live.parent / f"{_LEFTOVER_PREFIX}old-{token}-{live.name}"
            if live.exists() or live.is_symlink():
                os.rename(live, backup)
            swapped.append((new, live, backup))
            if new.exists():
                os.rename(new, live)
    except BaseException as exc:  # also Ctrl-C: leave the old tree, not a mix of old and new releases
        _roll_back(swapped)
        shutil.rmtree(staging, ignore_errors=True)
        for directory in reversed(made):
            with contextlib.suppress(OSError):
                directory.rmdir()
        if created and not any(rendered.iterdir()):
            rendered.rmdir()
        if not isinstance(exc, OSError):
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        raise RepositoryError(
            f"could not write {RENDERED_DIR}/: {exc.strerror or exc}{where}; it is unchanged"
        ) from None
    for parent in sorted({live.parent for _, live, _ in swapped}):  # the renames are durable before any delete
        atomic.fsync(parent)
    _discard([backup for _, _, backup in swapped], staging, token)
    _remove_emptied(rendered, desired)
    return changes


def _remove_emptied(rendered: Path, desired: dict[str, bytes]) -> None:
    """Environment directories whose every release went (a stale environment) go too."""
    keep = {p.split("/")[1] for p in desired}
    for entry in rendered.iterdir():
        if entry.is_dir() and not entry.is_symlink() and entry.name not in keep and not any(entry.iterdir()):
            entry.rmdir()
