"""One writer at a time per repository.

Every command that writes rendered/, a spec or git takes this lock first: an flock(2) on a
file in the tool's own place in the git directory (see `workdir`).  The kernel releases it
when the holder exits in any way, SIGKILL included, so a dead run never leaves a stale lock;
the file's content only says who holds it (pid, command, start), for the message a second
writer prints while it waits.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from generator.errors import RepositoryError
from generator.layout import RENDERED_DIR

LOCK_FILE = "modelops.lock"
WORK_DIR = "modelops"  # below the git directory: staging and backups of rendered/ writes
DEFAULT_WAIT = 60.0
_POLL = 0.1


def _top(root: Path) -> Path | None:
    """The directory at or above `root` that holds `.git` (a directory, or a worktree's file)."""
    for directory in (root, *root.parents):
        if (directory / ".git").exists():
            return directory
    return None


def git_dir(root: Path) -> Path | None:
    """The git directory of the work tree at or above `root` (`.git`, or where a `.git` file points)."""
    top = _top(root)
    if top is None:
        return None
    dot_git = top / ".git"
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            target = Path(text.removeprefix("gitdir:").strip())
            return target if target.is_absolute() else (top / target).resolve()
        return None
    return dot_git


def place(root: Path) -> str | None:
    """Where `root` sits in its git work tree ("" at the top, "sub/dir/" below it); None outside git."""
    top = _top(root)
    if top is None:
        return None
    inside = root.resolve().relative_to(top.resolve()).as_posix()
    return "" if inside == "." else inside + "/"


def workdir(root: Path) -> Path:
    """The tool's own directory for staging and backups: in the git directory when it is on the
    same file system as rendered/ (renames between them must be atomic), else rendered/.modelops."""
    found = git_dir(root)
    if found is not None:
        try:
            same = os.stat(found).st_dev == os.stat(root).st_dev
        except OSError:
            same = False
        if same:
            return found / WORK_DIR
    return root / RENDERED_DIR / f".{WORK_DIR}"


def _lock_path(root: Path) -> Path:
    found = git_dir(root)
    if found is not None:
        return found / LOCK_FILE
    # Not a git repository (trying modelops out in a plain directory): a lock per directory, in a
    # directory of the user's own below /tmp, so that nobody else can plant a link where it goes.
    import hashlib
    import tempfile

    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    private = Path(tempfile.gettempdir()) / f"modelops-{os.getuid()}"
    try:
        private.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(private)
    except OSError as exc:
        raise RepositoryError(f"cannot create {private} for the lock: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise RepositoryError(f"{private} is not a private directory of this user; remove it and run again")
    return private / f"{key}.lock"


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {info['pid']} on {info['host']}, `{info['command']}`, running since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another modelops run"


@contextlib.contextmanager
def held(
    root: Path, command: str, wait: float = DEFAULT_WAIT, notify: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the repository's writer lock for the `with` block; wait up to `wait` seconds for it.

    Raises RepositoryError (exit 3) naming the holder when the wait runs out.
    """
    path = _lock_path(root)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise RepositoryError(f"cannot open the lock file {path}: {exc.strerror or exc}") from None
    try:
        deadline = time.monotonic() + max(0.0, wait)
        waiting = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise RepositoryError(f"cannot lock {path}: {exc.strerror or exc}") from None
            holder = _holder(fd)
            if time.monotonic() >= deadline:
                raise RepositoryError(
                    f"another writer holds this repository ({holder}); nothing was changed. "
                    f"Retry when it ends, or wait longer with --wait SECONDS (lock: {path})"
                )
            if not waiting and notify is not None:
                notify(f"waiting up to {wait:g}s for another writer to finish ({holder})")
            waiting = True
            time.sleep(_POLL)
        import socket  # here, not at the top: the pre-commit hook imports this module for --wait's default

        since = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "command": command, "since": since})
        os.ftruncate(fd, 0)
        os.pwrite(fd, record.encode() + b"\n", 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock
