"""Copy one remote file to a local one, resuming after interruptions.

An attempt that fails, or whose stream ends before the listed size, is retried from the bytes
already on disk. Over http(s) every attempt is one streamed GET whose chunks are written as they
arrive; a resumed one asks for `Range: bytes=N-` and appends only when the server answers 206
from N (a server that ignores Range sends the whole file, which is then written from the start).
s3fs, gcsfs and HfFileSystem resume with ranged reads after a seek; they fetch whole blocks, so
a block cut short is fetched again. Only attempts that add no bytes count against the retry
budget: a connection that keeps dropping still finishes as long as each attempt gets further.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from generator.errors import FetchError
from generator.fetch import digest, sources
from generator.fetch.retries import RETRIES as RETRIES

BACKOFF = 1.0  # seconds before the first retry, doubled for each further one, at most MAX_BACKOFF
MAX_BACKOFF = 30.0


def _open_at(fs: Any, remote: sources.RemoteFile, offset: int) -> Any:
    if sources.is_http(fs):
        # One streamed GET (block_size=0: no block buffering, every chunk is written as it arrives),
        # from `offset` on when resuming; size= spares fsspec the HEAD it would make to find it.
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        return fs.open(remote.location, "rb", block_size=0, size=remote.size, headers=headers)
    src = fs.open(remote.location, "rb")
    if offset:
        src.seek(offset)  # s3fs, gcsfs, HfFileSystem: the following reads are ranged GETs
    return src


def _resumed_at(fs: Any, src: Any, offset: int) -> int:
    """Where the body `src` streams starts: `offset`, or 0 when an HTTP server ignored the Range."""
    if not offset or not sources.is_http(fs):
        return offset
    response = getattr(src, "r", None)  # the aiohttp response fsspec's HTTPStreamFile reads from
    if response is None:
        raise ValueError("cannot tell whether the server resumed the download")
    content_range = response.headers.get("Content-Range", "")
    if response.status == 206 and content_range.startswith(f"bytes {offset}-"):
        return offset
    return 0  # 200: the whole file, which is written from the start


def _attempt(fs: Any, remote: sources.RemoteFile, target: Path, offset: int) -> None:
    with _open_at(fs, remote, offset) as src:
        start = _resumed_at(fs, src, offset)
        try:
            out = target.open("ab" if start else "wb")
        except OSError as exc:
            raise FetchError(f"{target}: cannot write: {exc}") from exc
        with out:
            while chunk := src.read(digest.CHUNK):
                try:
                    out.write(chunk)
                except OSError as exc:  # a full volume is no reason to retry
                    raise FetchError(f"{target}: cannot write: {exc}") from exc


def _size(target: Path) -> int:
    return target.stat().st_size if target.exists() else 0


def copy(fs: Any, remote: sources.RemoteFile, target: Path, retries: int = RETRIES) -> None:
    """Copy `remote` to `target` (a partial `target` is resumed); FetchError when it cannot be completed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    stalled = 0
    while True:
        have = _size(target)
        if remote.size is None or have > remote.size:
            have = 0  # no size to resume against, or not the file listed: start over
        elif have == remote.size and target.exists():
            return
        problem = ""
        try:
            _attempt(fs, remote, target, have)
        except FetchError:
            raise
        except FileNotFoundError as exc:
            raise FetchError(f"{remote.location}: object disappeared while fetching") from exc
        except PermissionError as exc:
            raise FetchError(f"{remote.location}: access denied: {exc}") from exc
        except ValueError as exc:
            if not have:
                raise FetchError(f"{remote.location}: cannot read: {exc}") from exc
            # The resumed read failed in a way that says it cannot resume (fsspec: "the server doesn't
            # appear to support range requests"): read the file from the start.
            target.unlink()
            problem = f"cannot resume: {exc}"
        except Exception as exc:
            # s3fs, gcsfs, aiohttp and huggingface_hub raise their own types for a dropped connection,
            # a timeout or a 5xx; all of them are worth another attempt, unlike an HTTP client error.
            status = getattr(exc, "status", None)  # aiohttp.ClientResponseError
            if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
                raise FetchError(f"{remote.location}: HTTP {status}: {exc}") from exc
            problem = f"{type(exc).__name__}: {exc}"
        got = _size(target)
        if remote.size is not None and got > remote.size:
            raise FetchError(f"{remote.location}: {got} bytes, more than the {remote.size} listed (it changed)")
        if not problem and (remote.size is None or got == remote.size):
            return
        problem = problem or f"the stream ended after {got} of {remote.size} bytes"
        # Without a size every attempt starts over, so none of them counts as progress.
        stalled = 0 if got > have and remote.size is not None else stalled + 1
        if stalled > retries:
            total = "?" if remote.size is None else remote.size
            raise FetchError(
                f"{remote.location}: partial download: {got} of {total} bytes after "
                f"{retries + 1} attempts without progress: {problem}"
            )
        time.sleep(min(BACKOFF * 2 ** max(stalled - 1, 0), MAX_BACKOFF))
