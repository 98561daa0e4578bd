"""The fetcher against real servers on this machine: http.server and moto's S3 server."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from generator.errors import FetchError
from generator.fetch import digest, download


def _tree(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "config.json").write_text('{"a": 1}\n')
    (root / "sub" / "weights.bin").write_bytes(bytes(range(256)) * 4000)
    return root


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    return _tree(tmp_path / "src")


@pytest.fixture
def http_root(artifact: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(artifact.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/src/"
    server.shutdown()


def test_manifest_format_is_documented_bytes() -> None:
    entries = [digest.Entry("b", 1, "0" * 64), digest.Entry("a/x", 2, "1" * 64)]
    assert digest.manifest_bytes(entries) == f"a/x\x002\x00{'1' * 64}\nb\x001\x00{'0' * 64}\n".encode()


def test_local_fetch_gives_the_digest(artifact: Path, tmp_path: Path) -> None:
    want = digest.of_path(artifact)
    dest = tmp_path / "dest"
    assert download.fetch(str(artifact), want, dest) == want
    assert digest.of_path(dest) == want
    assert not download.staging_for(dest).exists()


def test_wrong_digest_leaves_nothing(artifact: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    with pytest.raises(FetchError, match="digest mismatch"):
        download.fetch(str(artifact), "sha256:" + "0" * 64, dest)
    assert not dest.exists() and not download.staging_for(dest).exists()


def test_added_file_fails(artifact: Path, tmp_path: Path) -> None:
    want = digest.of_path(artifact)
    (artifact / "extra.txt").write_text("x")
    dest = tmp_path / "dest"
    with pytest.raises(FetchError, match="digest mismatch"):
        download.fetch(str(artifact), want, dest)
    assert not dest.exists()


def test_missing_object_fails(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    with pytest.raises(FetchError, match="no such object"):
        download.fetch(str(tmp_path / "nothing"), "sha256:" + "0" * 64, dest)
    assert not dest.exists()


def test_http_fetch_and_digest_agree(artifact: Path, http_root: str, tmp_path: Path) -> None:
    want = digest.of_path(artifact)
    assert download.remote_digest(http_root) == want
    dest = tmp_path / "dest"
    assert download.fetch(http_root, want, dest) == want
    assert digest.of_path(dest) == want


def test_s3_fetch_and_digest_agree(artifact: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        for k, v in {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
        }.items():
            monkeypatch.setenv(k, v)
        import s3fs

        fs = s3fs.S3FileSystem(endpoint_url=endpoint)
        fs.mkdir("models")
        fs.put(str(artifact) + "/", "models/m/1/", recursive=True)
        want = digest.of_path(artifact)
        assert download.remote_digest("s3://models/m/1/") == want
        dest = tmp_path / "dest"
        assert download.fetch("s3://models/m/1/", want, dest) == want
        bad = tmp_path / "bad"
        with pytest.raises(FetchError, match="digest mismatch"):
            download.fetch("s3://models/m/1/", "sha256:" + "1" * 64, bad)
        assert not bad.exists()
    finally:
        server.stop()
