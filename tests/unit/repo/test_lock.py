"""The repository's writer lock: one holder at a time, released however the holder ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.errors import RepositoryError
from generator.repo import lock
from tests.conftest import init_repo


def test_a_second_holder_waits_then_gives_up_naming_the_first(example: Path) -> None:
    init_repo(example)
    told: list[str] = []
    with (
        lock.held(example, "modelops render"),
        pytest.raises(RepositoryError) as info,
        lock.held(example, "modelops commit", wait=0.3, notify=told.append),
    ):
        pass
    message = info.value.diagnostics[0].message
    assert f"pid {os.getpid()}" in message and "`modelops render`" in message and "--wait SECONDS" in message
    assert told and "waiting up to 0.3s" in told[0]
    with lock.held(example, "modelops commit", wait=0):  # released when the first holder left
        pass


def test_a_holder_killed_with_sigkill_leaves_no_stale_lock(example: Path) -> None:
    init_repo(example)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from generator.repo import lock\n"
            "with lock.held(Path(sys.argv[1]), 'holder'):\n    print('held', flush=True); time.sleep(60)",
            str(example),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    with pytest.raises(RepositoryError, match=f"pid {holder.pid}"), lock.held(example, "second", wait=0):
        pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    start = time.monotonic()
    with lock.held(example, "second", wait=5):
        pass
    assert time.monotonic() - start < 5  # acquired, not timed out: the kernel released the dead holder's lock


def test_the_lock_and_the_workdir_live_in_the_git_directory(example: Path) -> None:
    init_repo(example)
    with lock.held(example, "x"):
        assert (example / ".git" / lock.LOCK_FILE).is_file()
    assert lock.workdir(example) == example / ".git" / lock.WORK_DIR
    sub = example / "nested"
    sub.mkdir()
    assert lock.git_dir(sub) == example / ".git"  # a repository in a subdirectory of a work tree


def test_a_plain_directory_locks_outside_it(example: Path) -> None:
    with lock.held(example, "x"):
        assert not [p for p in example.rglob("*") if "lock" in p.name]
    assert lock.workdir(example) == example / "rendered" / ".modelops"


def test_outside_git_the_lock_is_in_a_private_directory_and_never_follows_a_link(
    example: Path, tmp_path: Path
) -> None:
    import stat
    import tempfile

    with lock.held(example, "x"):
        pass
    private = Path(tempfile.gettempdir()) / f"modelops-{os.getuid()}"
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    lock_file = lock._lock_path(example)
    assert lock_file.parent == private
    lock_file.unlink()
    lock_file.symlink_to(victim)
    with pytest.raises(RepositoryError, match="cannot open the lock file"), lock.held(example, "x"):
        pass
    assert victim.read_text() == "keep me\n"
    lock_file.unlink()
