"""download.fetch on local trees: the digest, what happens to DEST, pvc:// in place (servers: tests/acceptance)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import FetchError
from generator.fetch import digest, download
from tests.fetch_servers import make_tree


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "src")


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


def test_an_existing_dest_with_other_content_is_never_overwritten(artifact: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "old.bin").write_bytes(b"old")
    with pytest.raises(FetchError, match="refusing to overwrite"):
        download.fetch(str(artifact), digest.of_path(artifact), dest)
    assert [p.name for p in dest.iterdir()] == ["old.bin"]


def test_an_empty_dest_directory_is_filled(artifact: Path, tmp_path: Path) -> None:
    (tmp_path / "dest").mkdir()  # what a volume or a mkdir by hand gives the fetcher
    want = digest.of_path(artifact)
    assert download.fetch(str(artifact), want, tmp_path / "dest") == want
    assert digest.of_path(tmp_path / "dest") == want


def test_pvc_must_name_a_directory(artifact: Path) -> None:
    weights = artifact / "sub" / "weights.bin"
    with pytest.raises(FetchError, match="must name a directory"):
        download.fetch("pvc://models/weights.bin", digest.of_path(weights), weights)


def test_a_malformed_digest_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="64 lowercase hex"):
        download.fetch(str(tmp_path / "nothing"), "sha256:ABC", tmp_path / "dest")
