"""Where input files come from: the working tree, or a commit read straight from git.

`diff --base REF` renders a ref without checking it out, so every stage reads its inputs
through a `Source` rather than from the disk.
"""

from __future__ import annotations

import builtins
import enum
import errno
import os
import posixpath
import stat
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from generator.errors import InputError, RepositoryError
from generator.inputs.files import NotRegular, read_regular, refusal
from generator.inputs.listings import Listings
from generator.inputs.yamlio import MAX_FILE_BYTES

if TYPE_CHECKING:  # GitPython costs 40 ms to import; only diff, status and promote read commits
    import git

YAML_SUFFIXES = (".yaml", ".yml")
# The most links followed to reach a file, as Linux's limit for one lookup (then ELOOP).
_MAX_LINKS = 40


class Kind(enum.Enum):
    FILE = "file"
    DIRECTORY = "directory"
    OTHER = "other"  # a FIFO, a socket, a device, a link to nothing, a submodule: never read


class Entry(NamedTuple):  # not a dataclass: a tuple is made 3x faster, and releases/ may hold 10,000
    """One entry of a directory as a reader sees it: symbolic links followed, `link` telling it was one."""

    path: str
    kind: Kind
    what: str = ""  # for Kind.OTHER: what it is, worded to follow the path in an error ("is a FIFO ...")
    link: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def _not_found(target: str) -> str:
    return f"is a symbolic link to {target!r}, which does not exist"


def _unresolvable(reason: str) -> str:
    return f"is a symbolic link that cannot be followed: {reason}"


class Source(Protocol):
    label: str

    def entries(self, directory: str) -> builtins.list[Entry]:
        """What is directly in `directory`, sorted by name; names starting with "." are left out."""
        ...

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


def _files(entries: builtins.list[Entry], suffixes: tuple[str, ...]) -> builtins.list[str]:
    """The files named with one of `suffixes`; one so named that is no file (a FIFO, a dangling link) is
    refused by name rather than skipped."""
    for entry in entries:
        if entry.kind is Kind.OTHER and entry.name.endswith(suffixes):
            raise InputError.at(entry.what, entry.path)
    return [e.path for e in entries if e.kind is Kind.FILE and e.name.endswith(suffixes)]


def _outside(rel: str) -> InputError:
    return InputError.at("is a symbolic link that points outside the repository; refusing to read it", rel, 1, 1)


class WorkTree:
    """Files on disk below `root`; symlinks that lead outside the repository are refused.

    Whatever is listed that is not a directory is read, so that a FIFO or device named like an
    input file is refused by name (see generator.inputs.files) rather than skipped.
    """

    def __init__(self, root: Path, listings: Listings | None = None):
        self.root = root.resolve()
        self.label = "working tree"
        self.listings = listings  # when given, every directory listed and path probed is recorded there

    def _path(self, rel: str) -> Path:
        full = self.root / _clean(rel)
        try:
            resolved = full.resolve()
        except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13): reading reports it
            return full
        if resolved != self.root and self.root not in resolved.parents:
            raise _outside(rel)
        return full

    def entries(self, directory: str) -> builtins.list[Entry]:
        base = self._path(directory)
        prefix = _clean(directory)
        before = self.listings.stamp(prefix) if self.listings is not None else None
        if not base.is_dir():
            if self.listings is not None:
                self.listings.probe(prefix)
            return []
        out = []
        listing = sorted(os.scandir(base), key=lambda e: e.name)
        if self.listings is not None:
            self.listings.saw(prefix, before, [e.name for e in listing])
        for entry in listing:
            if entry.name.startswith("."):
                continue
            rel = f"{prefix}/{entry.name}"
            link = entry.is_symlink()
            if link:
                self._path(rel)  # raises if it leads outside
            # The directory's own record of the type answers for all but links and special files: no stat
            # of each of 10,000 specs (where the file system records no type, DirEntry stats by itself).
            elif entry.is_file(follow_symlinks=False):
                out.append(Entry(rel, Kind.FILE))
                continue
            elif entry.is_dir(follow_symlinks=False):
                out.append(Entry(rel, Kind.DIRECTORY))
                continue
            out.append(self._entry(rel, entry.path, link))
        return out

    @staticmethod
    def _entry(rel: str, full: str, link: bool) -> Entry:
        try:
            mode = os.stat(full).st_mode  # follows links, as reading would
        except FileNotFoundError:
            what = _not_found(os.readlink(full)) if link else "file not found"  # not a link: it just vanished
            return Entry(rel, Kind.OTHER, what, link)
        except OSError as exc:
            return Entry(rel, Kind.OTHER, _unresolvable(os.strerror(exc.errno or errno.EIO).lower()), link)
        if stat.S_ISREG(mode):
            return Entry(rel, Kind.FILE, link=link)
        if stat.S_ISDIR(mode):
            return Entry(rel, Kind.DIRECTORY, link=link)
        what = refusal(mode) or "is not a regular file"
        return Entry(rel, Kind.OTHER, what, link)

    def list(self, directory: str, suffixes: tuple[str, ...] = YAML_SUFFIXES) -> builtins.list[str]:
        return _files(self.entries(directory), suffixes)

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
        if self.listings is not None:
            self.listings.probe(_clean(path))
        return self._path(path).is_dir()

    def walk(self, directory: str) -> builtins.list[str]:
        # Symlinked directories are followed, as the template loader follows them; each real
        # directory once, so a link cycle ends.
        base = self._path(directory)
        out: list[str] = []
        seen: set[str] = set()
        pending = [str(base)]
        while pending:
            current = pending.pop()
            real = os.path.realpath(current)
            if real in seen:
                continue
            seen.add(real)
            rel = Path(current).relative_to(self.root).as_posix()
            before = self.listings.stamp(rel) if self.listings is not None else None
            try:
                listing = list(os.scandir(current))
            except OSError:  # gone, or not a directory: nothing below it, as os.walk has it
                continue
            if self.listings is not None:
                self.listings.saw(rel, before, [e.name for e in listing])
            for entry in listing:
                try:
                    below = entry.is_dir()  # follows links
                except OSError:
                    below = False
                if below:
                    pending.append(entry.path)
                else:
                    out.append(f"{rel}/{entry.name}")
        return sorted(out)


class GitTree:
    """Files as they are in commit `ref`, read from git objects (the working tree is untouched)."""

    def __init__(self, repo: git.Repo, ref: str, at: str = ""):
        """`at`: where the GitOps repository sits in the git work tree ("" or "sub/dir/")."""
        import git

        try:
            self.commit = repo.commit(ref)
            self.commit.tree  # noqa: B018 - reads the object: a parent a shallow clone lacks fails here
        except (git.BadName, ValueError, git.GitCommandError):
            raise history_unavailable(repo, ref) from None
        self.at = at
        self.label = f"{ref} ({self.commit.hexsha[:12]})"
        self._missing = f"file not found in {self.label}"
        try:
            top = self.commit.tree / at.rstrip("/") if at else self.commit.tree
        except KeyError:
            top = None  # the directory did not exist yet in that commit: it holds no file
        self.top = top if top is not None and top.type == "tree" else None

    def _rel(self, path: object) -> str:
        return str(path).removeprefix(self.at)

    def _tree(self, directory: str) -> git.Tree | None:
        try:
            if self.top is None:
                return None
            item = self.top / _clean(directory) if directory not in ("", ".") else self.top
        except KeyError:
            return None
        return item if item.type == "tree" else None

    def _follow(self, rel: str) -> Any:
        """The git object at `rel` with symbolic links followed as the file system would follow them, or
        (a str) what stops that, worded as WorkTree words it.

        A link is a blob holding its target; targets resolve against the link's directory, and one that
        leaves the repository is refused as WorkTree refuses it.  Only the last component of each path
        is followed: a path through a linked directory counts as not found.
        """
        path, first_target = _clean(rel), None
        for _ in range(_MAX_LINKS):
            try:
                if self.top is None:
                    raise KeyError(path)
                item = self.top / path
            except KeyError:
                return self._missing if first_target is None else _not_found(first_target)
            if item.type != "blob" or not stat.S_ISLNK(item.mode):
                return item
            target = item.data_stream.read().decode("utf-8", "surrogateescape")
            first_target = target if first_target is None else first_target
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if target.startswith("/") or joined == ".." or joined.startswith("../"):
                raise _outside(rel)
            path = joined
        return _unresolvable(os.strerror(errno.ELOOP).lower())

    def entries(self, directory: str) -> builtins.list[Entry]:
        tree = self._tree(directory)
        if tree is None:
            return []
        out = []
        for item in sorted(tree, key=lambda i: str(i.name)):
            name = str(item.name)
            if name.startswith("."):
                continue
            rel = f"{_clean(directory)}/{name}"
            link = item.type == "blob" and stat.S_ISLNK(item.mode)
            found = self._follow(rel) if link else item
            if isinstance(found, str):
                out.append(Entry(rel, Kind.OTHER, found, link))
            elif found.type == "blob":
                out.append(Entry(rel, Kind.FILE, link=link))
            elif found.type == "tree":
                out.append(Entry(rel, Kind.DIRECTORY, link=link))
            else:
                out.append(Entry(rel, Kind.OTHER, "is a git submodule, not a regular file", link))
        return out

    def list(self, directory: str, suffixes: tuple[str, ...] = YAML_SUFFIXES) -> builtins.list[str]:
        return _files(self.entries(directory), suffixes)

    def read(self, path: str) -> bytes:
        found = self._follow(path)
        if isinstance(found, str):
            # Nothing at the path at all (not a dangling link): the one error a fallback may follow.
            missing = found == self._missing
            raise (MissingFile if missing else InputError).at(found, path)
        if found.type != "blob":
            raise InputError.at("is a directory, expected a file", path)
        data: bytes = found.data_stream.read(MAX_FILE_BYTES + 1)
        return data

    def is_dir(self, path: str) -> bool:
        return self._tree(path) is not None

    def walk(self, directory: str) -> builtins.list[str]:
        tree = self._tree(directory)
        if tree is None:
            return []
        # Without as_edge, traverse() yields objects; its annotation also admits the edge tuples.
        return sorted(
            self._rel(item.path) for item in tree.traverse() if not isinstance(item, tuple) and item.type == "blob"
        )


def history_unavailable(repo: git.Repo, rev: str) -> RepositoryError:
    """`rev` cannot be read: a typo, history a shallow clone does not have, or a repository whose object
    names GitPython cannot read (say which, and how to get on)."""
    try:
        sha256 = repo.git.rev_parse("--show-object-format").strip() == "sha256"
    except Exception:  # an old git without the flag: it knows SHA-1 only
        sha256 = False
    if sha256:
        return RepositoryError(
            "this repository names its objects with SHA-256, and GitPython, through which modelops reads "
            f"earlier commits ({rev}), reads SHA-1 repositories only; render, check, validate and commit work"
        )
    try:
        shallow = repo.git.rev_parse("--is-shallow-repository").strip() == "true"
    except Exception:  # an old git without the flag: no hint rather than a wrong one
        shallow = False
    if not shallow:
        return RepositoryError(f"unknown git revision {rev!r}")
    return RepositoryError(
        f"{rev} is not in this clone's history: it is a shallow clone. Fetch the history first "
        "(git fetch --unshallow, or git fetch --deepen=N; in GitHub Actions, actions/checkout with fetch-depth: 0)"
    )
