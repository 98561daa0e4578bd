"""`modelops digest` and `modelops fetch` end to end against real servers on this machine (http.server and
moto's S3 server): one digest whichever way the directory is read, and every way a fetch must fail, with
exit 1, a message, and nothing in DEST or beside it."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.fetch import transfer
from tests.conftest import Result, Runner, files_under
from tests.fetch_servers import Faults, http_server, make_tree, s3_server, use_s3, written


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transfer, "BACKOFF", 0.0)


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "www" / "model")


@pytest.fixture
def served(model: Path) -> Iterator[tuple[str, Faults]]:
    with http_server(model.parent) as (base, faults):
        yield f"{base}/model/", faults


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> tuple[Any, str]:
    """An s3fs filesystem on the moto server and a bucket of this test's own."""
    fs = use_s3(monkeypatch, s3_endpoint)
    name = "t-" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:20]
    fs.mkdir(name)
    return fs, name


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """DEST's parent: it must be as empty after a failed fetch as before."""
    (tmp_path / "out").mkdir()
    return tmp_path / "out"


def _digest(run: Runner, target: str | Path) -> str:
    result = run(None, "digest", str(target))
    assert result.exit_code == 0, result.err
    return result.out.strip()


def _fetch(run: Runner, uri: str, want: str, dest: Path, *extra: str) -> Result:
    return run(None, "fetch", "--uri", uri, "--digest", want, "--dest", str(dest), *extra)


def _upload(bucket: tuple[Any, str], model: Path) -> str:
    fs, name = bucket
    fs.put(str(model) + "/", f"{name}/m/1/", recursive=True)
    return f"s3://{name}/m/1/"


def _failed(result: Result, message: str, out: Path) -> None:
    assert result.exit_code == 1, (result.out, result.err)
    assert message in result.err
    assert "Traceback" not in result.err
    assert list(out.iterdir()) == []  # no DEST, no half-filled directory, no staging directory beside it


def test_a_directory_has_one_digest_locally_over_http_and_over_s3(
    run: Runner, model: Path, served: tuple[str, Faults], bucket: tuple[Any, str], out: Path
) -> None:
    want = _digest(run, model)
    s3_uri = _upload(bucket, model)
    assert _digest(run, served[0]) == want
    assert _digest(run, s3_uri) == want
    for uri, dest in ((served[0], out / "http"), (s3_uri, out / "s3")):
        result = _fetch(run, uri, want, dest)
        assert result.exit_code == 0, result.err
        assert result.out.strip() == f"{dest}: {want}"
        assert files_under(dest) == files_under(model)
        assert _digest(run, dest) == want
    assert sorted(p.name for p in out.iterdir()) == ["http", "s3"]


def test_a_single_file_digest_is_its_sha256(run: Runner, model: Path, served: tuple[str, Faults], out: Path) -> None:
    weights = model / "sub" / "weights.bin"
    want = "sha256:" + hashlib.sha256(weights.read_bytes()).hexdigest()
    assert _digest(run, weights) == want
    result = _fetch(run, served[0] + "sub/weights.bin", want, out / "models")
    assert result.exit_code == 0, result.err
    assert (out / "models" / "weights.bin").read_bytes() == weights.read_bytes()


@pytest.mark.parametrize("transport", ["http", "s3"])
def test_a_wrong_digest_fails_and_leaves_nothing(
    run: Runner, model: Path, served: tuple[str, Faults], bucket: tuple[Any, str], out: Path, transport: str
) -> None:
    uri = served[0] if transport == "http" else _upload(bucket, model)
    _failed(_fetch(run, uri, "sha256:" + "0" * 64, out / "models"), "digest mismatch", out)


@pytest.mark.parametrize("transport", ["http", "s3"])
def test_a_file_added_to_the_prefix_fails_and_leaves_nothing(
    run: Runner, model: Path, served: tuple[str, Faults], bucket: tuple[Any, str], out: Path, transport: str
) -> None:
    want = _digest(run, model)
    uri = served[0] if transport == "http" else _upload(bucket, model)
    if transport == "http":
        (model / "extra.txt").write_text("not part of the release\n")
    else:
        bucket[0].pipe(f"{bucket[1]}/m/1/extra.txt", b"not part of the release\n")
    _failed(_fetch(run, uri, want, out / "models"), "digest mismatch", out)


@pytest.mark.parametrize("transport", ["http", "s3"])
def test_a_missing_object_fails_and_leaves_nothing(
    run: Runner, model: Path, served: tuple[str, Faults], bucket: tuple[Any, str], out: Path, transport: str
) -> None:
    want = _digest(run, model)
    uri = served[0] + "nothing/here.bin" if transport == "http" else f"s3://{bucket[1]}/nothing/"
    _failed(_fetch(run, uri, want, out / "models"), "no such object", out)


def test_a_download_that_always_stops_short_fails_and_leaves_nothing(
    run: Runner, model: Path, served: tuple[str, Faults], out: Path
) -> None:
    # The server declares the whole Content-Length and closes the connection 300 kB into the body, every time.
    want = _digest(run, model)
    served[1].stop_at = 300_000
    result = _fetch(run, served[0], want, out / "models", "--retries", "2")
    _failed(result, "of 1024000 bytes after 3 attempts without progress", out)
    assert "partial download" in result.err and "weights.bin" in result.err


def test_an_interrupted_download_resumes_and_completes(
    run: Runner, model: Path, served: tuple[str, Faults], out: Path
) -> None:
    want = _digest(run, model)
    url, faults = served
    faults.cut_after, faults.cuts = 300_000, 1
    faults.until = written(out / ".models.partial" / "sub" / "weights.bin")
    result = _fetch(run, url, want, out / "models")
    assert result.exit_code == 0, result.err
    assert files_under(out / "models") == files_under(model)
    first, second = faults.gets("/weights.bin")
    assert first is None and second is not None and second != "bytes=0-"
    assert list(out.iterdir()) == [out / "models"]


def test_a_restarted_fetcher_finds_the_artifact_in_place(
    run: Runner, model: Path, served: tuple[str, Faults], out: Path
) -> None:
    want = _digest(run, model)
    assert _fetch(run, served[0], want, out / "models").exit_code == 0
    before = len(served[1].requests)
    result = _fetch(run, served[0], want, out / "models")
    assert result.exit_code == 0, result.err
    assert len(served[1].requests) == before  # verified on disk, nothing downloaded again


def test_a_killed_fetch_is_resumed_from_its_staging_directory(
    run: Runner, model: Path, served: tuple[str, Faults], out: Path
) -> None:
    want = _digest(run, model)
    staged = out / ".models.partial" / "sub" / "weights.bin"
    staged.parent.mkdir(parents=True)
    staged.write_bytes((model / "sub" / "weights.bin").read_bytes()[:500_000])
    assert _fetch(run, served[0], want, out / "models").exit_code == 0
    assert served[1].gets("/weights.bin") == ["bytes=500000-"]
    assert list(out.iterdir()) == [out / "models"]


def _read_only(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def test_pvc_is_verified_in_place_without_a_copy(run: Runner, model: Path, tmp_path: Path) -> None:
    want = _digest(run, model)
    before = files_under(model.parent)
    _read_only(model)  # the claim is mounted read-only
    try:
        result = _fetch(run, "pvc://models/llama/3.1/", want, model)
        assert result.exit_code == 0, result.err
        wrong = _fetch(run, "pvc://models/llama/3.1/", "sha256:" + "1" * 64, model)
        assert wrong.exit_code == 1 and "digest mismatch" in wrong.err
        absent = _fetch(run, "pvc://models/llama/3.1/", want, tmp_path / "not-mounted")
        assert absent.exit_code == 1 and "is the claim mounted there?" in absent.err
    finally:
        for path in [model, *model.rglob("*")]:
            os.chmod(path, 0o755)
    assert files_under(model.parent) == before  # nothing written beside or inside the mount
    assert "a claim is read where it is mounted" in run(None, "digest", "pvc://models/llama").err
