"""Download an artifact into a staging directory next to DEST, verify it, then rename it into place.

Each file is written to ``<staging>/<path>`` (generator.fetch.transfer resumes and retries it).
Nothing reaches DEST unless the whole tree has the expected digest, and every failure this
module reports (a wrong digest, a short file, a missing object, a file added under the prefix,
a store that stays unreachable) removes the staging directory too: after an error neither DEST
nor anything beside it holds part of the artifact. Only a fetcher killed outright (OOM, a
deadline) leaves the staging directory, and the next run resumes from what it holds.

The rename needs DEST's parent to be writable and on the same filesystem as DEST: the rendered
init container mounts the model volume at the parent of DEST (generator.render.artifact).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from generator.errors import FetchError
from generator.fetch import digest, sources, transfer


def staging_for(dest: Path) -> Path:
    return dest.parent / f".{dest.name}.partial"


def _has_content(dest: Path) -> bool:
    return any(dest.iterdir()) if dest.is_dir() else dest.exists()


def fetch(uri: str, expected: str, dest: Path, retries: int = transfer.RETRIES) -> str:
    """Fetch URI into DEST when its content has digest EXPECTED; returns the digest.

    pvc:// is not copied: the claim is mounted at DEST and verified there."""
    if not digest.valid(expected):
        raise FetchError(f"--digest {expected!r}: expected sha256: and 64 lowercase hex digits")
    if uri.startswith(sources.PVC):
        return verify(dest, expected)
    if _has_content(dest):
        actual = digest.of_path(dest)
        if actual == expected:
            return actual  # already in place (a restarted init container)
        raise FetchError(f"{dest}: exists with digest {actual}, not {expected}; refusing to overwrite")
    fs, root = sources.filesystem(uri)
    single, files = sources.listing(fs, root, uri)
    staging = staging_for(dest)
    try:
        _stage(fs, files, staging, retries)
        target = staging / files[0].path if single else staging
        actual = digest.of_path(target)
        if actual != expected:
            raise FetchError(
                f"{uri}: digest mismatch: the fetched content has {actual}, the release says {expected}"
                f" (a file changed, was added or removed under the prefix); nothing was written to {dest}"
            )
        _into_place(target, dest, files[0].path if single else None)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise FetchError(
            f"{dest}: cannot write: {exc} (the staging directory is renamed to DEST: mount one writable"
            " volume at DEST's parent, not at DEST)"
        ) from exc
    except Exception:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)  # what is left of it for a single file
    return actual


def _stage(fs: object, files: list[sources.RemoteFile], staging: Path, retries: int) -> None:
    staging.mkdir(parents=True, exist_ok=True)
    listed = {f.path for f in files}
    for stale in [e.path for e in digest.entries(staging) if e.path not in listed]:
        (staging / stale).unlink()  # left by a killed run against another listing
    for remote in files:
        transfer.copy(fs, remote, staging / remote.path, retries)


def _into_place(target: Path, dest: Path, single_name: str | None) -> None:
    if dest.is_dir():
        dest.rmdir()  # the empty directory the init container was given (never a mount point: see above)
    if single_name is None:
        os.replace(target, dest)
    else:
        dest.mkdir(parents=True)
        os.replace(target, dest / single_name)


def verify(path: Path, expected: str) -> str:
    """Verify a mounted artifact in place (pvc://): nothing is copied."""
    if not path.exists():
        raise FetchError(f"{path}: no such file or directory (is the claim mounted there?)")
    if not path.is_dir():
        raise FetchError(f"{path}: not a directory: pvc://CLAIM/PATH must name a directory of the claim")
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
        try:
            with fs.open(remote.location, "rb") as src:
                size, sha = digest.stream_sha256(src)
        except Exception as exc:
            raise FetchError(f"{remote.location}: cannot read: {type(exc).__name__}: {exc}") from exc
        entries.append(digest.Entry(remote.path, size, sha))
    return digest.PREFIX + entries[0].sha256 if single else digest.of_manifest(entries)
