"""Reading input files: regular files only, at most one byte past the limit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.inputs.files import NotRegular, read_regular


def test_reads_a_regular_file_up_to_one_byte_past_the_limit(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x" * 100)
    assert read_regular(tmp_path / "f", 1000) == b"x" * 100
    assert read_regular(tmp_path / "f", 10) == b"x" * 11


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (os.mkfifo, "is a named pipe (FIFO), not a regular file; refusing to read it"),
        (os.mkdir, "is a directory, expected a file"),
    ],
)
def test_refuses_what_is_not_a_regular_file(tmp_path: Path, make: object, message: str) -> None:
    assert callable(make)
    make(tmp_path / "x")
    with pytest.raises(NotRegular) as info:
        read_regular(tmp_path / "x", 10)
    assert info.value.message == message


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "missing", 10)
