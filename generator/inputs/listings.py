"""What a run saw of the work tree's directories, for telling later whether it still holds.

A directory's stamp (file type, mtime, ctime, inode), taken before it is listed, vouches for the
listing while it stays the same: adding, removing or renaming an entry changes the directory's
mtime and ctime.  As for files (generator.pipeline.stamps), and as in git's own index, a stamp is
never trusted when its mtime falls within two seconds of when it was taken (a change in the same
clock tick would not show); such a directory is listed again.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

# A file changed this close to the moment its stamp was taken may not show it in its mtime.
_RACY_NS = 2_000_000_000

PathStamp = tuple[int, int, int, int]


def path_stamp(full: str) -> PathStamp | None:
    try:
        info = os.lstat(full)
    except OSError:
        return None
    return (stat.S_IFMT(info.st_mode), info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def racy(mtime_ns: int, taken_ns: int) -> bool:
    """Whether a stamp with this mtime, taken before `taken_ns`, may hide a change made in the same clock tick."""
    return mtime_ns >= taken_ns - _RACY_NS


@dataclass
class Listings:
    """The directories a run listed, each stamped before it was listed, with the names it held, and
    the paths it only asked the type of: what its answer depends on besides its files' contents."""

    root: str
    listed: dict[str, tuple[PathStamp | None, tuple[str, ...]]] = field(default_factory=dict)
    probed: dict[str, int | None] = field(default_factory=dict)  # path -> its file type, None if missing
    linked: bool = False  # a symbolic link was followed: what changes behind it shows in no stamp here

    def _full(self, rel: str) -> str:
        return f"{self.root}/{rel}" if rel else self.root

    def stamp(self, rel: str) -> PathStamp | None:
        found = path_stamp(self._full(rel))
        if found is not None and stat.S_ISLNK(found[0]):
            self.linked = True
        return found

    def saw(self, rel: str, before: PathStamp | None, names: list[str]) -> None:
        self.listed[rel] = (before, tuple(sorted(names)))

    def probe(self, rel: str) -> None:
        found = self.stamp(rel)
        self.probed.setdefault(rel, None if found is None else found[0])

    def listdir(self, rel: str) -> list[str]:
        """os.listdir of `rel` (nothing when it cannot be listed), recorded."""
        before = self.stamp(rel)
        try:
            names = os.listdir(self._full(rel))
        except OSError:
            names = []
        self.saw(rel, before, names)
        return names
