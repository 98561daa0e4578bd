"""Content ids of files, kept with their stat data so that an unchanged file is not read again.

The id is git's blob id (sha1, or sha256 in a sha256 repository), so what the index records
for a rendered file compares directly with what HEAD's tree holds.  As in git's own index, an
entry is trusted only while size, mtime, ctime and inode all agree, and never for a file
whose mtime falls within two seconds of when the entry was taken: a write in the same clock
tick would otherwise go unseen ("racily clean").  Such a file is read and hashed again.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from generator.inputs.listings import Listings, racy

# (size, mtime_ns, ctime_ns, inode, blob id): a plain tuple, so that the index of a large
# repository loads as builtin data (a NamedTuple costs 6 us a stamp to rebuild).
Stamp = tuple[int, int, int, int, str]


def blob_id(data: bytes, sha256: bool = False) -> str:
    algorithm = hashlib.sha256 if sha256 else hashlib.sha1
    return algorithm(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Stamps:
    """Stamps of files below `root` (paths relative to it); `read` counts the files hashed this run."""

    root: Path
    known: dict[str, Stamp] = field(default_factory=dict)
    taken_ns: int = 0  # when `known` was saved
    sha256: bool = False
    read: int = 0
    fresh: dict[str, Stamp] = field(default_factory=dict)
    # Stamps git has just vouched for (a fresh clone's index, see generator.pipeline.seeding): taken
    # now, so the two-second rule, which guards against writes after a stamp was taken, has nothing to add.
    verified: dict[str, Stamp] = field(default_factory=dict)
    listings: Listings = field(init=False)

    def __post_init__(self) -> None:
        self.listings = Listings(str(self.root))

    def _full(self, rel: str) -> str:
        return f"{self.root}/{rel}"  # strings, not Paths: a run stats every file of the repository

    def blob(self, rel: str) -> str | None:
        """The blob id of the regular file at `rel`, or None when there is none."""
        try:
            info = os.lstat(self._full(rel))
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        now = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        old = self.known.get(rel)
        if old is not None and old[:4] == now and not racy(info.st_mtime_ns, self.taken_ns):
            self.fresh[rel] = old
            return old[4]
        vouched = self.verified.get(rel)
        if vouched is not None and vouched[:4] == now:
            self.fresh[rel] = vouched
            return vouched[4]
        try:
            with open(self._full(rel), "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        self.read += 1
        found = blob_id(data, self.sha256)
        self.fresh[rel] = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, found)
        return found

    def note(self, rel: str, blob: str) -> None:
        """Record a file this run has just written, whose blob id is `blob` (from the bytes it wrote: the
        file is not read back)."""
        try:
            info = os.lstat(self._full(rel))
        except OSError:
            self.fresh.pop(rel, None)
            return
        self.fresh[rel] = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, blob)

    def forget(self, rel: str) -> None:
        self.fresh.pop(rel, None)

    def snapshot(self) -> tuple[dict[str, Stamp], int]:
        """What to save: every stamp looked at this run, and the time they were taken."""
        return dict(self.fresh), time.time_ns()
