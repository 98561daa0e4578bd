"""Real servers on this machine for the fetcher's tests: an HTTP file server whose faults the test sets
(Range support on or off, connections cut mid-body), and moto's S3 server."""

from __future__ import annotations

import functools
import http.server
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

WAIT = 10.0


def make_tree(root: Path) -> Path:
    """A small model directory: a config file and a weights file in a subdirectory (~1 MB)."""
    (root / "sub").mkdir(parents=True)
    (root / "config.json").write_text('{"a": 1}\n')
    (root / "sub" / "weights.bin").write_bytes(bytes(range(256)) * 4000)
    return root


def written(path: Path) -> Callable[[int], bool]:
    """For Faults.until: whether the client has written (all but its file buffer of) what it was sent."""
    return lambda sent: path.exists() and path.stat().st_size >= sent - 65_536


@dataclass
class Faults:
    ranges: bool = True  # False: Range headers are ignored (200 and the whole body), as http.server does
    cut_after: int | None = None  # send this many bytes of a longer body, then close the connection ...
    cuts: int = 0  # ... for this many GETs (of bodies longer than that)
    stop_at: int | None = None  # no body ever goes past this offset of its file (always truncated)
    # Before a cut, wait (at most WAIT seconds) until until(offset the body was sent up to) holds, e.g. until
    # the client has written it: aiohttp drops what it still buffers when it sees a short body, so without
    # this how far a cut attempt got would depend on thread timing.
    until: Callable[[int], bool] | None = None
    errors: list[int] = field(default_factory=list)  # the statuses the next GETs of files get, one each
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # (method, path, Range)

    def gets(self, suffix: str) -> list[str | None]:
        """The Range header of each GET of a path ending in `suffix` (None: no Range)."""
        return [r for method, path, r in self.requests if method == "GET" and path.endswith(suffix)]


class _Handler(http.server.SimpleHTTPRequestHandler):
    faults: Faults

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        local = Path(self.translate_path(self.path))
        if not local.is_file():
            # Directory listings (which fsspec reads links from) and 404s as http.server makes them.
            super().do_GET() if body else super().do_HEAD()
            return
        faults = self.faults
        wanted = self.headers.get("Range")
        faults.requests.append((self.command, unquote(urlsplit(self.path).path), wanted))
        if body and faults.errors:
            self.send_error(faults.errors.pop(0))
            return
        data = local.read_bytes()
        start, end, status = 0, len(data), 200
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted or "")
        if faults.ranges and match:
            start = int(match[1])
            end = min(int(match[2]) + 1 if match[2] else len(data), len(data))
            status = 206
        part = data[start:end]
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(part)))
        if faults.ranges:
            self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
        self.end_headers()
        if not body:
            return
        limit = len(part)
        if faults.cuts > 0 and faults.cut_after is not None and faults.cut_after < limit:
            faults.cuts -= 1
            limit = min(limit, faults.cut_after)
        if faults.stop_at is not None:
            limit = min(limit, max(faults.stop_at - start, 0))
        self.wfile.write(part[:limit])
        self.wfile.flush()
        if limit < len(part):
            deadline = time.monotonic() + WAIT
            while faults.until is not None and not faults.until(start + limit) and time.monotonic() < deadline:
                time.sleep(0.01)
            self.close_connection = True  # fewer bytes than Content-Length said: a cut connection


@contextmanager
def http_server(directory: Path) -> Iterator[tuple[str, Faults]]:
    """(base URL serving `directory`, its faults), for the duration of the block."""
    faults = Faults()
    handler = type("Handler", (_Handler,), {"faults": faults})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", faults
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def s3_server() -> Iterator[str]:
    """moto's S3 server on a free port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def use_s3(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> Any:
    """Point the AWS variables the fetcher reads at `endpoint`; returns an s3fs filesystem to upload with."""
    import s3fs  # type: ignore[import-untyped]

    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    return s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True)
