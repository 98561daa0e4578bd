"""The content digest of a model artifact (what `artifact.digest` is computed over).

A single file: ``sha256:`` + the hex SHA-256 of its bytes (what ``sha256sum FILE`` prints).

A directory (or an object-store prefix): ``sha256:`` + the hex SHA-256 of its manifest, the
UTF-8 bytes of one line per regular file, sorted by path (byte order of the UTF-8 path)::

    <relative path> NUL <size in bytes, decimal> NUL <hex sha256 of the file> LF

The relative path uses ``/`` whatever the platform and never starts with ``./`` or ``/``.
Empty directories count for nothing; an empty directory has the digest of the empty manifest.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
PREFIX = "sha256:"


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    sha256: str


def manifest_bytes(entries: Iterable[Entry]) -> bytes:
    lines = sorted(entries, key=lambda e: e.path.encode())
    return b"".join(f"{e.path}\0{e.size}\0{e.sha256}\n".encode() for e in lines)


def of_manifest(entries: Iterable[Entry]) -> str:
    return PREFIX + hashlib.sha256(manifest_bytes(entries)).hexdigest()


def stream_sha256(stream: BinaryIO) -> tuple[int, str]:
    """(size, hex sha256) of everything left in `stream`, read in chunks (a local file or a remote object)."""
    h = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        h.update(chunk)
        size += len(chunk)
    return size, h.hexdigest()


def file_sha256(path: Path) -> tuple[int, str]:
    with path.open("rb") as f:
        return stream_sha256(f)


def entries(root: Path) -> list[Entry]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            full = Path(dirpath) / name
            if full.is_symlink() or not full.is_file():
                continue  # only regular files are content; a link could point outside the artifact
            size, sha = file_sha256(full)
            out.append(Entry(full.relative_to(root).as_posix(), size, sha))
    return out


def of_path(path: Path) -> str:
    """The digest of a local file or directory, as defined above."""
    if path.is_file():
        return PREFIX + file_sha256(path)[1]
    return of_manifest(entries(path))


def valid(digest: str) -> bool:
    hexpart = digest.removeprefix(PREFIX)
    return digest.startswith(PREFIX) and len(hexpart) == 64 and all(c in "0123456789abcdef" for c in hexpart)
