"""Download an artifact into a staging directory next to DEST, verify it, then rename it into place.

Each file is written to ``<staging>/<path>``; an interrupted copy resumes from the bytes already
staged (the staging directory survives transient failures, so a restarted init container
continues). Nothing reaches DEST unless the whole tree has the expected digest: a wrong digest,
a short file, a missing object or an extra file under the prefix removes the staging directory.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from generator.errors import FetchError
from generator.fetch import digest, sources

RETRIES = 5


def staging_for(dest: Path) -> Path:
    return dest.parent / f".{dest.name}.partial"


def _copy(fs: Any, remote: sources.RemoteFile, target: Path, retries: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries + 1):
        have = target.stat().st_size if target.exists() else 0
        try:
            if (remote.size and have < remote.size) or not remote.size:
                with fs.open(remote.location, "rb") as src, target.open("ab" if have else "wb") as out:
                    if have:
                        src.seek(have)
                    while chunk := src.read(digest.CHUNK):
                        out.write(chunk)
            break
        except FileNotFoundError as exc:
            raise FetchError(f"{remote.location}: object disappeared while fetching") from exc
        except OSError as exc:
            if attempt == retries:
                raise FetchError(f"{remote.location}: download failed after {retries + 1} attempts: {exc}") from exc
            time.sleep(min(2**attempt * 0.2, 10))
    got = target.stat().st_size
    if remote.size and got != remote.size:
        raise FetchError(f"{remote.location}: partial download: {got} of {remote.size} bytes")


def fetch(uri: str, expected: str, dest: Path, retries: int = RETRIES) -> str:
    """Fetch URI into DEST when its content has digest EXPECTED; returns the digest."""
    if not digest.valid(expected):
        raise FetchError(f"--digest {expected!r}: expected sha256: and 64 lowercase hex digits")
    if any(dest.iterdir()) if dest.is_dir() else dest.exists():
        actual = digest.of_path(dest)
        if actual == expected:
            return actual  # already in place (a restarted pod)
        raise FetchError(f"{dest}: exists with digest {actual}, not {expected}; refusing to overwrite")
    fs, root = sources.filesystem(uri)
    single, files = sources.listing(fs, root, uri)
    staging = staging_for(dest)
    staging.mkdir(parents=True, exist_ok=True)
    try:
        listed = {f.path for f in files}
        for stale in [p for p in digest.entries(staging) if p.path not in listed]:
            (staging / stale.path).unlink()  # left by an earlier run against a different listing
        for remote in files:
            _copy(fs, remote, staging / remote.path, retries)
        target = staging / files[0].path if single else staging
        actual = digest.of_path(target)
    except FetchError as exc:
        if "partial download" in str(exc):
            shutil.rmtree(staging, ignore_errors=True)
        raise
    if actual != expected:
        shutil.rmtree(staging, ignore_errors=True)
        raise FetchError(
            f"{uri}: digest mismatch: the fetched content has {actual}, the release says {expected}"
            " (a file changed, was added or removed under the prefix); nothing was written to " + str(dest)
        )
    if dest.is_dir():
        dest.rmdir()  # an empty mount point or directory the init container was given
    if single:
        dest.mkdir(parents=True, exist_ok=True)
        os.replace(target, dest / files[0].path)
        shutil.rmtree(staging, ignore_errors=True)
    else:
        os.replace(staging, dest)
    return actual


def verify(path: Path, expected: str) -> str:
    """Verify a mounted artifact in place (pvc://): nothing is copied."""
    if not path.exists():
        raise FetchError(f"{path}: no such file or directory (is the claim mounted?)")
    actual = digest.of_path(path)
    if actual != expected:
        raise FetchError(f"{path}: digest mismatch: the content has {actual}, the release says {expected}")
    return actual


def remote_digest(uri: str) -> str:
    """The digest of a remote artifact, hashed while streaming (nothing is written to disk)."""
    fs, root = sources.filesystem(uri)
    single, files = sources.listing(fs, root, uri)
    entries = []
    for remote in files:
        with fs.open(remote.location, "rb") as src:
            size, sha = digest.stream_sha256(src)
        entries.append(digest.Entry(remote.path, size, sha))
    return digest.PREFIX + entries[0].sha256 if single else digest.of_manifest(entries)
