"""Resuming and retrying one file against a real local HTTP server that cuts connections or ignores Range."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.errors import FetchError
from generator.fetch import sources, transfer
from tests.fetch_servers import Faults, http_server, written

BODY = bytes(range(256)) * 40_000  # 10 MB: more than one of fsspec's 5 MiB HTTP blocks


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transfer, "BACKOFF", 0.0)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Faults]]:
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "weights.bin").write_bytes(BODY)
    with http_server(tmp_path / "www") as (base, faults):
        yield f"{base}/weights.bin", faults


def _copy(url: str, target: Path, retries: int = transfer.RETRIES) -> None:
    fs, root = sources.filesystem(url)
    single, [remote] = sources.listing(fs, root, url)
    assert single and remote.size == len(BODY)
    transfer.copy(fs, remote, target, retries)


def test_an_uninterrupted_download_is_one_streamed_get(served: tuple[str, Faults], tmp_path: Path) -> None:
    url, faults = served
    _copy(url, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == BODY
    assert faults.gets("/weights.bin") == [None]


def test_a_cut_connection_resumes_with_a_range_request(served: tuple[str, Faults], tmp_path: Path) -> None:
    url, faults = served
    faults.cut_after, faults.cuts = 3_000_000, 1
    faults.until = written(tmp_path / "out")
    _copy(url, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == BODY
    first, *resumed = faults.gets("/weights.bin")
    assert first is None
    # The second attempt asks for the rest only: from what the first one wrote, never from byte 0.
    assert resumed and resumed[0] is not None and resumed[0].startswith("bytes=")
    offset = int(resumed[0].removeprefix("bytes=").split("-")[0])
    assert 3_000_000 - 65_536 <= offset <= 3_000_000


def test_connections_cut_again_and_again_still_finish_while_each_gets_further(
    served: tuple[str, Faults], tmp_path: Path
) -> None:
    url, faults = served
    faults.cut_after, faults.cuts = 1_500_000, 4  # more cuts than retries: only attempts without progress count
    faults.until = written(tmp_path / "out")
    _copy(url, tmp_path / "out", retries=1)
    assert (tmp_path / "out").read_bytes() == BODY


def test_a_server_without_range_support_starts_the_file_over(served: tuple[str, Faults], tmp_path: Path) -> None:
    url, faults = served
    faults.ranges = False
    faults.cut_after, faults.cuts = 3_000_000, 1
    _copy(url, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == BODY


def test_a_body_that_always_stops_short_is_a_partial_download(served: tuple[str, Faults], tmp_path: Path) -> None:
    url, faults = served
    faults.stop_at = 2_000_000
    # aiohttp drops what it had buffered when it sees the short body, so fewer bytes than sent may be on disk.
    with pytest.raises(FetchError, match=r"partial download: \d+ of 10240000 bytes after 3 attempts without progress"):
        _copy(url, tmp_path / "out", retries=2)
    assert 0 < (tmp_path / "out").stat().st_size <= 2_000_000


def test_a_partial_file_left_by_a_killed_run_is_resumed(served: tuple[str, Faults], tmp_path: Path) -> None:
    url, faults = served
    (tmp_path / "out").write_bytes(BODY[:1234])
    _copy(url, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == BODY
    assert faults.gets("/weights.bin")[0] is not None  # ranged from the start: byte 0 was never asked for again


def test_a_staged_file_longer_than_the_listed_one_is_fetched_again(served: tuple[str, Faults], tmp_path: Path) -> None:
    url, _ = served
    (tmp_path / "out").write_bytes(BODY + b"stale tail")
    _copy(url, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == BODY


def test_a_server_that_fails_the_first_requests_is_retried(served: tuple[str, Faults], tmp_path: Path) -> None:
    url, faults = served
    faults.errors = [503, 502, 503]
    _copy(url, tmp_path / "out", retries=3)
    assert (tmp_path / "out").read_bytes() == BODY
    assert len(faults.gets("/weights.bin")) == 4


def test_a_client_error_is_not_retried(served: tuple[str, Faults], tmp_path: Path) -> None:
    url, faults = served
    faults.errors = [403]
    with pytest.raises(FetchError, match="HTTP 403"):
        _copy(url, tmp_path / "out")
    assert len(faults.gets("/weights.bin")) == 1
