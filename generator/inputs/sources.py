"""Where input files come from: the working tree, or a commit read straight from git.

`diff --base REF` renders a ref without checking it out, so every stage reads its inputs
through a `Source` rather than from the disk.
"""

from __future__ import annotations

import builtins
import os
import stat
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from generator.errors import InputError, RepositoryError
from generator.inputs.files import NotRegular, read_regular
from generator.inputs.yamlio import MAX_FILE_BYTES

if TYPE_CHECKING:  # GitPython costs 40 ms to import; only diff, status and promote read commits
    import git

YAML_SUFFIXES = (".yaml", ".yml")


class Source(Protocol):
    label: str

    # `list` is a method of these classes, so their signatures spell the builtin `builtins.list`.
    def list(self, directory: str, suffixes: tuple[str, ...] = YAML_SUFFIXES) -> builtins.list[str]:
        """Sorted repository-relative paths of the files directly in `directory`."""
        ...

    def read(self, path: str) -> bytes: ...

    def is_dir(self, path: str) -> bool: ...

    def walk(self, directory: str) -> builtins.list[str]:
        """Sorted repository-relative paths of every file below `directory`, at any depth."""
        ...


class MissingFile(InputError):
    """No file at the path: the one read error after which a fallback (a built-in template) may apply."""


def _clean(path: str) -> str:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts:
        raise InputError.at(f"path {path!r} leaves the repository", path)
    return pure.as_posix()


class WorkTree:
    """Files on disk below `root`; symlinks that lead outside the repository are refused.

    Whatever is listed that is not a directory is read, so that a FIFO or device named like an
    input file is refused by name (see generator.inputs.files) rather than skipped.
    """

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.label = "working tree"

    def _path(self, rel: str) -> Path:
        full = self.root / _clean(rel)
        resolved = full.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise InputError.at("is a symbolic link that points outside the repository; refusing to read it", rel, 1, 1)
        return full

    def list(self, directory: str, suffixes: tuple[str, ...] = YAML_SUFFIXES) -> builtins.list[str]:
        base = self._path(directory)
        if not base.is_dir():
            return []
        out = []
        for entry in sorted(os.scandir(base), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.name.endswith(suffixes):
                continue
            rel = f"{_clean(directory)}/{entry.name}"
            if entry.is_symlink():
                self._path(rel)  # raises if it leads outside
            if not Path(entry.path).is_dir():
                out.append(rel)
        return out

    def read(self, path: str) -> bytes:
        full = self._path(path)
        try:
            return read_regular(full, MAX_FILE_BYTES)
        except NotRegular as exc:
            raise InputError.at(exc.message, path, 1, 1) from None
        except FileNotFoundError:
            raise MissingFile.at("file not found", path) from None
        except OSError as exc:
            raise InputError.at(f"cannot read: {exc.strerror}", path) from None

    def is_dir(self, path: str) -> bool:
        return self._path(path).is_dir()

    def walk(self, directory: str) -> builtins.list[str]:
        # Symlinked directories are followed, as the template loader follows them; each real
        # directory once, so a link cycle ends.
        base = self._path(directory)
        out: list[str] = []
        seen: set[str] = set()
        for dirpath, dirnames, filenames in os.walk(base, followlinks=True):
            real = os.path.realpath(dirpath)
            if real in seen:
                dirnames.clear()
                continue
            seen.add(real)
            out.extend(Path(dirpath, name).relative_to(self.root).as_posix() for name in filenames)
        return sorted(out)


class GitTree:
    """Files as they are in commit `ref`, read from git objects (the working tree is untouched)."""

    def __init__(self, repo: git.Repo, ref: str):
        import git

        try:
            self.commit = repo.commit(ref)
        except (git.BadName, ValueError, git.GitCommandError):
            raise RepositoryError(f"unknown git revision {ref!r}") from None
        self.label = f"{ref} ({self.commit.hexsha[:12]})"

    def _tree(self, directory: str) -> git.Tree | None:
        try:
            item = self.commit.tree / _clean(directory) if directory not in ("", ".") else self.commit.tree
        except KeyError:
            return None
        return item if item.type == "tree" else None

    def list(self, directory: str, suffixes: tuple[str, ...] = YAML_SUFFIXES) -> builtins.list[str]:
        tree = self._tree(directory)
        if tree is None:
            return []
        out = []
        for blob in tree.blobs:
            if blob.name.startswith(".") or not blob.name.endswith(suffixes):
                continue
            if stat.S_ISLNK(blob.mode):
                raise InputError.at("is a symbolic link; modelops reads only regular files", str(blob.path), 1, 1)
            out.append(str(blob.path))
        return sorted(out)

    def read(self, path: str) -> bytes:
        try:
            blob = self.commit.tree / _clean(path)
        except KeyError:
            raise MissingFile.at(f"file not found in {self.label}", path) from None
        return blob.data_stream.read(MAX_FILE_BYTES + 1)

    def is_dir(self, path: str) -> bool:
        return self._tree(path) is not None

    def walk(self, directory: str) -> builtins.list[str]:
        tree = self._tree(directory)
        if tree is None:
            return []
        # Without as_edge, traverse() yields objects; its annotation also admits the edge tuples.
        return sorted(str(item.path) for item in tree.traverse() if not isinstance(item, tuple) and item.type == "blob")
