"""What a run looked at, packed for checking again: the stamp and blob id of every file it read, the
stamp of every directory it listed (with the names, where the stamp is too recent to vouch for
them), and the type of every path it only asked about.

Packed as parallel lists and arrays of integers rather than a tuple a file: 130,000 stamps (10,000
releases x 3 environments) load in 15 ms instead of 100, and checking them costs what their
`lstat` calls cost (0.17 s here), which is all a run on an unchanged repository does besides.
"""

from __future__ import annotations

import bisect
import os
from array import array
from collections.abc import ItemsView, Iterator, Mapping
from typing import Any

from generator.inputs.listings import PathStamp, path_stamp, racy
from generator.pipeline.stamps import Stamp, blob_id


def pack(
    files: dict[str, Stamp],
    listed: dict[str, tuple[PathStamp | None, tuple[str, ...]]],
    probed: dict[str, int | None],
    taken_ns: int,
) -> dict[str, Any]:
    """`taken_ns`: a moment after every stamp was taken (the two-second rule counts from it)."""
    paths = sorted(files)
    present = sorted(rel for rel, (before, _) in listed.items() if before is not None)
    stamps = [listed[rel][0] for rel in present]
    return {
        "taken_ns": taken_ns,
        "paths": paths,
        "blobs": [files[p][4] for p in paths],
        "stats": array("q", [n for p in paths for n in files[p][:3]]).tobytes(),
        "inodes": array("Q", [files[p][3] for p in paths]).tobytes(),
        "dirs": present,
        "dir_stats": array("q", [n for s in stamps if s is not None for n in s[:3]]).tobytes(),
        "dir_inodes": array("Q", [s[3] for s in stamps if s is not None]).tobytes(),
        "missing": sorted(rel for rel, (before, _) in listed.items() if before is None),
        "names": {  # listed again when checked: an entry added in the same clock tick would not show
            rel: names for rel, (before, names) in listed.items() if before is not None and racy(before[1], taken_ns)
        },
        "probed": dict(probed),
    }


class Blobs(Mapping[str, str]):
    """path -> blob id of the files below a directory (every file without one): counted without being
    built (a run on an unchanged repository only says how many files it holds), built when looked into."""

    def __init__(self, packed: dict[str, Any], directory: str | None = None):
        paths = packed["paths"]  # sorted: the files below `directory` are one run of them
        self._start = 0 if directory is None else bisect.bisect_left(paths, f"{directory}/")
        self._stop = len(paths) if directory is None else bisect.bisect_left(paths, f"{directory}0", self._start)
        self._packed = packed
        self._built: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._built is None:
            span = slice(self._start, self._stop)
            self._built = dict(zip(self._packed["paths"][span], self._packed["blobs"][span], strict=True))
        return self._built

    def __len__(self) -> int:
        return self._stop - self._start

    def __getitem__(self, path: str) -> str:
        return self._all()[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def items(self) -> ItemsView[str, str]:  # the dict's own: Mapping's looks up every key again
        return self._all().items()


def _numbers(data: bytes, code: str) -> array[int]:
    out = array(code)
    out.frombytes(data)
    return out


def holds(root: str, packed: dict[str, Any], sha256: bool) -> list[int] | None:
    """None if anything differs from its stamp; else the mtimes of the stamps too recent to vouch for
    themselves, each of whose files was hashed (or directory listed) again and found the same."""
    taken = packed["taken_ns"]
    for rel, kind in packed["probed"].items():
        found = path_stamp(f"{root}/{rel}" if rel else root)
        if (None if found is None else found[0]) != kind:
            return None
    for rel in packed["missing"]:
        if path_stamp(f"{root}/{rel}" if rel else root) is not None:
            return None
    recent: list[int] = []
    numbers = iter(_numbers(packed["dir_stats"], "q"))
    for rel, kind, mtime, ctime, inode in zip(
        packed["dirs"], numbers, numbers, numbers, _numbers(packed["dir_inodes"], "Q"), strict=True
    ):
        full = f"{root}/{rel}" if rel else root
        if path_stamp(full) != (kind, mtime, ctime, inode):
            return None
        if racy(mtime, taken):
            try:
                if tuple(sorted(os.listdir(full))) != packed["names"].get(rel):
                    return None
            except OSError:
                return None
            recent.append(mtime)
    lstat, hashed = os.lstat, []
    numbers = iter(_numbers(packed["stats"], "q"))
    for rel, blob, size, mtime, ctime, inode in zip(
        packed["paths"], packed["blobs"], numbers, numbers, numbers, _numbers(packed["inodes"], "Q"), strict=True
    ):
        try:
            info = lstat(f"{root}/{rel}")
        except OSError:
            return None
        if info.st_mtime_ns != mtime or info.st_size != size or info.st_ctime_ns != ctime or info.st_ino != inode:
            return None
        if racy(mtime, taken):
            hashed.append((rel, blob))
            recent.append(mtime)
    for rel, blob in hashed:
        try:
            with open(f"{root}/{rel}", "rb") as handle:
                if blob_id(handle.read(), sha256) != blob:
                    return None
        except OSError:
            return None
    return recent


def vouched(packed: dict[str, Any], now_ns: int) -> dict[str, Any]:
    """`packed` as of `now_ns`, after `holds` checked its recent stamps again before that moment."""
    return {**packed, "taken_ns": now_ns, "names": {}}
