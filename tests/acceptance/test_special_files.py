"""FIFOs, devices and endless streams where a file is expected: refused by name, never read without bound.

Each command runs as a child process with a timeout, because without the limits these reads
never end (a FIFO's open waits for a writer; /dev/zero and `- < /dev/zero` fill memory).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from generator.manifests import reader
from tests.conftest import files_under, modelops_subprocess, write

TIMEOUT = 60
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"


def modelops(*args: str, cwd: Path, stdin: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["modelops", *args], cwd=cwd, stdin=stdin, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_validate_refuses_a_device(tmp_path: Path) -> None:
    done = modelops("validate", "/dev/zero", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (
        1,
        "/dev/zero: is a character device, not a regular file; refusing to read it [yaml]\n",
    )


def test_validate_refuses_a_fifo_given_or_found_in_a_directory(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "given.yaml")
    write(tmp_path / "dir/ok.yaml", CONFIGMAP)
    os.mkfifo(tmp_path / "dir/pipe.yaml")
    done = modelops("validate", "given.yaml", "dir", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "dir/pipe.yaml: is a named pipe (FIFO), not a regular file; refusing to read it [yaml]",
        "given.yaml: is a named pipe (FIFO), not a regular file; refusing to read it [yaml]",
    ]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_stdin_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as endless:
        done = modelops("validate", "-", cwd=tmp_path, stdin=endless.fileno())
    limit = reader.MAX_BYTES
    assert (done.returncode, done.stdout) == (
        1,
        f"stdin:1:1: file is larger than the limit of {limit} bytes ({limit // 1024} KiB) [yaml]\n",
    )


def test_stdin_within_the_limit_is_still_checked(tmp_path: Path) -> None:
    done = subprocess.run(
        ["modelops", "validate", "--summary", "-"],
        input=CONFIGMAP,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Summary: 1 resources found in 1 files - Valid: 1")


def test_schema_location_refuses_a_fifo(tmp_path: Path) -> None:
    write(tmp_path / "cm.yaml", CONFIGMAP)
    os.mkfifo(tmp_path / "crds.yaml")
    done = modelops("validate", "--schema-location", "crds.yaml", "cm.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert "crds.yaml: is a named pipe (FIFO), not a regular file; refusing to read it [schema-location]" in (
        done.stderr + done.stdout
    )


@pytest.mark.parametrize(
    "name",
    ["releases/x.yaml", "environments/qa.yaml", "policies/extra.yaml", "templates/release/extra.yaml.j2"],
)
@pytest.mark.parametrize("command", ["render", "validate"])
def test_a_fifo_among_the_repository_inputs_is_refused_not_skipped(example: Path, name: str, command: str) -> None:
    (example / name).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(example / name)
    before = files_under(example)
    done = modelops_subprocess(example, command, timeout=TIMEOUT)
    assert done.returncode == 1, done.stdout + done.stderr
    # Refused where the directory is listed, naming the entry (a line would mean nothing: it is no file).
    assert f"{name}: is a named pipe (FIFO), not a regular file; refusing to read it" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert files_under(example) == before
