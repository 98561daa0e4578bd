"""Writing the rendered tree: all or nothing, and only below rendered/.

The new tree is written into a staging directory beside rendered/ and then swapped in
with renames, one environment directory at a time.  A crash leaves either the old or the
new directory in place plus leftovers named `.modelops-*`, which the next run removes;
because rendering is deterministic, the next run then writes the same tree again.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from generator.context import RENDERED_DIR
from generator.errors import InputError, RepositoryError
from generator.render import RenderedTree

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
                    rel = (Path(dirpath) / name).relative_to(root)
                    raise InputError.at(f"{rel} is a symbolic link; refusing to write through it", str(rel))
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


def plan(root: Path, tree: RenderedTree) -> Changes:
    desired = tree.files()
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


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    else:
        entry.unlink()


def clean_leftovers(root: Path) -> None:
    """Repair what an interrupted run left behind.

    A backup whose live entry is missing goes back in place: that run died after moving the old
    directory aside and before moving the new one in.  Every other staging or backup entry goes.
    """
    for parent in (root, root / RENDERED_DIR):
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
                _remove(entry)


def _discard(rendered: Path, token: str) -> None:
    """This run's staging directory and backups: the swap succeeded, so they are no longer needed."""
    ours = (f"{_LEFTOVER_PREFIX}old-{token}-", f"{_LEFTOVER_PREFIX}staging-{token}")
    for entry in rendered.iterdir():
        if entry.name.startswith(ours) and not entry.is_symlink():
            _remove(entry)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _stage(root: Path, files: dict[str, bytes], unchanged: set[str], staging: Path) -> None:
    """Build the new directories in `staging`: unchanged files hard-linked, the rest written, then synced.

    Linking keeps a one-release change from rewriting (and syncing) thousands of files; syncing
    after all writes lets the file system flush them together rather than one journal commit each.
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
        with open(target, "wb") as handle:
            handle.write(data)
        written.append(target)
    for target in written:
        _fsync(target)


def _scope_of(path: str, scopes: list[str]) -> str | None:
    return next((s for s in scopes if path == s or path.startswith(s + "/")), None)


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
    changes = plan(root, tree)
    if changes.empty:
        return changes
    rendered = root / RENDERED_DIR
    created = not rendered.exists()
    rendered.mkdir(exist_ok=True)
    token = uuid.uuid4().hex[:12]
    staging = rendered / f"{_LEFTOVER_PREFIX}staging-{token}"
    swapped: list[tuple[Path, Path, Path]] = []
    scopes = _all_scopes(root, tree)
    touched = {_scope_of(p, scopes) for p in (*changes.added, *changes.changed, *changes.removed)}
    desired = tree.files()
    rewritten = {*changes.added, *changes.changed}
    unchanged = {p for p in desired if p not in rewritten}
    try:
        _stage(root, {p: d for p, d in desired.items() if _scope_of(p, scopes) in touched}, unchanged, staging)
        # Swap each changed environment directory in: rename is atomic per directory.
        for scope in (s for s in scopes if s in touched):
            name = Path(scope).relative_to(RENDERED_DIR)
            new, live = staging / name, root / scope
            backup = rendered / f"{_LEFTOVER_PREFIX}old-{token}-{name}"
            if live.exists():
                os.rename(live, backup)
            swapped.append((new, live, backup))
            if new.exists():
                os.rename(new, live)
    except BaseException as exc:  # also Ctrl-C: leave the old tree, not a mix of old and new environments
        _roll_back(swapped)
        shutil.rmtree(staging, ignore_errors=True)
        if created and not any(rendered.iterdir()):
            rendered.rmdir()
        if not isinstance(exc, OSError):
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        raise RepositoryError(
            f"could not write {RENDERED_DIR}/: {exc.strerror or exc}{where}; it is unchanged"
        ) from None
    _fsync(rendered)
    _discard(rendered, token)
    return changes
