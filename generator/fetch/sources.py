"""Where artifacts come from: one fsspec filesystem per URI scheme, imported only when fetching.

s3:// (s3fs), gs:// (gcsfs), hf:// (huggingface_hub's HfFileSystem), http(s):// (fsspec's
aiohttp implementation) and local paths. Credentials come from each library's standard
environment variables and files (AWS_*, GOOGLE_APPLICATION_CREDENTIALS, HF_TOKEN).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from generator import distribution
from generator.errors import FetchError

PVC = "pvc://"
# What `modelops fetch` reads (pvc:// in place); the renderer refuses other schemes for pods.
SCHEMES = ("s3://", "gs://", "hf://", "https://", PVC)
EXTRA = {"s3": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "hf": "huggingface_hub", "http": "aiohttp", "https": "aiohttp"}


@dataclass(frozen=True)
class RemoteFile:
    path: str  # relative to the artifact root, with /
    size: int | None  # None: the store does not say (an HTTP server without Content-Length)
    location: str  # what the filesystem opens


def is_http(fs: Any) -> bool:
    protocol = fs.protocol
    return bool({"http", "https"} & set((protocol,) if isinstance(protocol, str) else protocol))


def _size(value: Any) -> int | None:
    return None if value is None else int(value)


def filesystem(uri: str) -> tuple[Any, str]:
    """The filesystem for URI and the root path on it."""
    try:
        import fsspec  # type: ignore[import-untyped]
    except ImportError as exc:
        wanted = distribution.pip_requirement(extras=("fetch",))
        raise FetchError(f"fetching needs fsspec: pip install '{wanted}'") from exc
    scheme = uri.split("://", 1)[0] if "://" in uri else "file"
    if uri.startswith(PVC):
        raise FetchError(f"{uri}: a claim is read where it is mounted: give the mounted path instead")
    # A fresh instance each time: fsspec would otherwise hand back one whose listings are cached
    # (s3fs, gcsfs), and a file added to the prefix since would go unseen within one process.
    options: dict[str, Any] = {"skip_instance_cache": True}
    if scheme == "s3" and os.environ.get("AWS_ENDPOINT_URL"):
        options["endpoint_url"] = os.environ["AWS_ENDPOINT_URL"]  # S3-compatible stores (MinIO, Ceph)
    try:
        fs, root = fsspec.core.url_to_fs(uri, **options)
    except (ImportError, ValueError) as exc:
        need = EXTRA.get(scheme, "")
        raise FetchError(
            f"{uri}: no filesystem for {scheme}://" + (f" (pip install {need})" if need else "") + f": {exc}"
        ) from exc
    return fs, root


def listing(fs: Any, root: str, uri: str) -> tuple[bool, list[RemoteFile]]:
    """(is a single file, the files under root with their sizes); a missing object is an error."""
    try:
        # A trailing / names a prefix; HTTP servers answer a directory listing as if it were a file,
        # so over HTTP any other URL is a file (and a HEAD says so: fsspec's isfile would GET the body).
        if not uri.endswith("/") and is_http(fs):
            return True, [RemoteFile(root.rsplit("/", 1)[-1], _size(fs.info(root).get("size")), root)]
        if not uri.endswith("/") and fs.isfile(root):
            return True, [RemoteFile(root.rsplit("/", 1)[-1], _size(fs.size(root)), root)]
        found = fs.find(root, detail=True)
        files = _files(fs, root, uri, found)
    except FileNotFoundError as exc:
        raise FetchError(f"{uri}: no such object or prefix") from exc
    except PermissionError as exc:
        raise FetchError(f"{uri}: access denied: {exc}") from exc
    except FetchError:
        raise
    except Exception as exc:
        # Each filesystem has its own errors for an unreachable or failing store (aiohttp, botocore...).
        raise FetchError(f"{uri}: cannot list: {type(exc).__name__}: {exc}") from exc
    if not files:
        raise FetchError(f"{uri}: no such object or prefix (nothing listed)")
    return False, files


def _files(fs: Any, root: str, uri: str, found: dict[str, Any]) -> list[RemoteFile]:
    base = root.rstrip("/") + "/"
    files = []
    for name, info in sorted(found.items()):
        if info.get("type", "file") != "file":
            continue
        rel = name[len(base) :] if name.startswith(base) else name.rsplit("/", 1)[-1]
        if not rel or rel.startswith("/") or ".." in rel.split("/"):
            raise FetchError(f"{uri}: object {name!r} has no safe relative path")
        size = info.get("size")
        files.append(RemoteFile(rel, _size(size if size is not None else fs.size(name)), name))
    return files
