"""Reading an input file from disk: only a regular file, and never more than a limit.

A path can name a FIFO (whose open waits for a writer and whose reads never end), a device
such as /dev/zero (endless) or /dev/watchdog (opening it has effects), or a file that grows
without bound.  So a path is stat-ed before it is opened, opened without blocking, checked
again on the open descriptor (it may have been swapped in between), and read up to one byte
past the limit: enough to tell that it is too large without holding more.
"""

from __future__ import annotations

import os
import stat

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegular(Exception):
    """The path exists but is not a regular file; `what` says what it is ("a named pipe (FIFO)")."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what

    @property
    def message(self) -> str:
        if self.what == "a directory":
            return "is a directory, expected a file"
        return f"is {self.what}, not a regular file; refusing to read it"


def refusal(mode: int) -> str | None:
    """Why a file of this mode is not read as an input (None for a regular file)."""
    try:
        _check(mode)
    except NotRegular as exc:
        return exc.message
    return None


def _check(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise NotRegular(what)


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """At most `limit` + 1 bytes of the regular file at `path`; raises NotRegular, or OSError."""
    _check(os.stat(path).st_mode)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        _check(os.fstat(fd).st_mode)
        return handle.read(limit + 1)
