"""Writing files so that a reader finds the old content or the new, never a mix or a truncated file.

Every file the tool writes goes through here: a spec edited by promote, the editor schemas,
a new repository from init, cache entries, and the primitives the rendered/ writer builds
its directory swaps from (generator.repo.writer).  Data is written under a temporary name
in the target's own directory, made durable, then renamed into place; rename within one
file system is atomic, so a crash or a full disk leaves the previous file.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from generator.errors import RepositoryError

TEMP_PREFIX = ".modelops-"


def failed(target: Path, exc: OSError) -> RepositoryError:
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(target) else ""
    return RepositoryError(f"could not write {target}: {exc.strerror or exc}{where}")


def fsync(path: Path | str) -> None:
    """Make a file, or a directory's entries (after renames into it), durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _libc() -> object | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - a platform without a C library to load
        return None


def sync_written(written: list[str], directory: Path) -> None:
    """Make many freshly written files durable at once.

    One syncfs(2) of the file system holding `directory` does in a fraction of a second what an
    fsync per file does in seconds for thousands of files; without syncfs, fsync each.
    """
    syncfs = getattr(_libc(), "syncfs", None) if written else None
    if syncfs is not None:
        fd = os.open(directory, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for target in written:
        fsync(target)


def _writable_then_retry(function: Callable[..., object], path: str, _: object) -> None:
    """rmtree's error handler: a read-only directory (copied from rendered/, say) is made writable, then
    the removal retried; any other failure propagates."""
    parent = os.path.dirname(path)
    os.chmod(parent, os.stat(parent).st_mode | stat.S_IRWXU)
    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, os.stat(path).st_mode | stat.S_IRWXU)
        shutil.rmtree(path, onerror=_writable_then_retry)
    else:
        function(path)


def remove(entry: Path) -> None:
    """A file, a link or a whole directory, read-only subdirectories included."""
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, onerror=_writable_then_retry)
    else:
        entry.unlink()


def _temporary(directory: Path, data: bytes, mode: int, durable: bool = True) -> str:
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # mkstemp's 0600 would hide a shared file from other users and tools
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def replace_file(path: Path, data: bytes, mode: int | None = None, durable: bool = True) -> None:
    """`path` holds exactly `data`; `mode` defaults to the replaced file's (0644 for a new file).
    `durable`: synced before it replaces the old file (a cache that checks what it reads can skip it).

    Raises RepositoryError naming the file; the previous content is then still in place.
    """
    try:
        if mode is None:
            mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        tmp = _temporary(path.parent, data, mode, durable)
        try:
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise failed(path, exc) from None


def replace_files(directory: Path, files: dict[str, bytes], mode: int = 0o644) -> None:
    """Every file of `files` (name -> bytes) in `directory`, created if need be, or none of them changed.

    All are written under temporary names first and renamed only when every one is written.
    """
    staged: list[tuple[str, str]] = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            staged.append((_temporary(directory, data, mode), name))
        for tmp, name in staged:
            os.replace(tmp, directory / name)
    except OSError as exc:
        raise failed(directory, exc) from None
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def populate(directory: Path, files: dict[str, bytes]) -> None:
    """Fill a new or empty `directory` with `files` (relative path -> bytes), or leave it as it was.

    The files are staged beside `directory`, then its top-level entries moved in; on any failure
    (a full disk, Ctrl-C) whatever was moved in is removed again.
    """
    created = not directory.exists()
    moved: list[Path] = []
    staging: Path | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}init-", dir=directory.resolve().parent))
        for rel, content in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        for entry in sorted(staging.iterdir()):
            target = directory / entry.name
            os.rename(entry, target)
            moved.append(target)
    except BaseException as exc:
        for target in moved:
            remove(target)
        if created and directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
        if isinstance(exc, OSError):
            raise failed(directory, exc) from None
        raise
    finally:
        if staging is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)
