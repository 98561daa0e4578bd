"""Faults: a failure part-way, a crash between write and commit, SIGKILL in each phase of a commit, git states
the tool must not touch, workers outliving a killed run."""

from __future__ import annotations

import errno
import importlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.repo import commits, staging, writer
from tests import crash_points
from tests.conftest import PROJECT, Runner, edit, files_under, git, modelops_subprocess, write

FLEET = 14  # with the 6 example releases: 20


def snapshot(repo: Path) -> tuple[dict[str, bytes], str, str]:
    """Every file (rendered/ included), HEAD, and git status: what a fault must leave as it was."""
    return files_under(repo), git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain")


@pytest.fixture
def fleet(example_repo: Path, run: Runner) -> Path:
    """Twenty releases, rendered and committed; then a committed spec change that every release renders differently."""
    base = (example_repo / "releases/toxicity-classifier.yaml").read_text(encoding="utf-8")
    for i in range(1, FLEET + 1):
        name = f"fleet-{i:02d}"
        write(example_repo / f"releases/{name}.yaml", base.replace("toxicity-classifier", name))
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "fleet")
    assert run(example_repo, "commit", "-m", "render fleet").exit_code == 0
    edit(example_repo / "environments/dev.yaml", "namespace: models-dev", "namespace: models-dev2")
    git(example_repo, "commit", "-qam", "move dev")  # committed: `modelops commit` refuses uncommitted inputs
    return example_repo


def tenth_release(repo: Path) -> str:
    names = sorted(p.stem for p in (repo / "releases").glob("*.yaml"))
    assert len(names) == 20
    return names[9]


def test_template_failure_in_the_tenth_of_twenty_releases_changes_nothing(fleet: Path, run: Runner) -> None:
    tenth = tenth_release(fleet)
    write(
        fleet / "templates/release/quota.yaml.j2",
        f'{{% if names.workload == "{tenth}" %}}{{{{ no_such_value }}}}{{% endif %}}\n'
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ names.workload }}\n"
        "  namespace: {{ env.namespace }}\n",
    )
    git(fleet, "add", "templates")
    git(fleet, "commit", "-q", "-m", "quota template")
    before = snapshot(fleet)
    result = run(fleet, "commit", "-m", "move dev")
    assert result.exit_code == 1
    assert "templates/release/quota.yaml.j2:1" in result.err and "no_such_value" in result.err
    assert snapshot(fleet) == before


def test_disk_full_half_way_leaves_the_tree_and_git_as_they_were(
    fleet: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(fleet)
    # Only dev changed, so only dev's files are written; the rest stay as they are.
    half = len(list((fleet / "rendered/dev").rglob("*.yaml"))) // 2
    calls = {"n": 0}
    real_write = staging.write_file

    def write_file(target: str, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] >= half:  # full from here on: staging meets it, then the writer
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(target, data)

    monkeypatch.setattr(staging, "write_file", write_file)
    result = run(fleet, "commit", "-m", "move dev")
    assert result.exit_code == 3
    assert "could not write rendered/: No space left on device; it is unchanged" in result.err
    assert snapshot(fleet) == before
    # Put back only what this test patched: undo() would also drop the isolation fixture's HOME and git identity.
    monkeypatch.setattr(staging, "write_file", real_write)
    assert run(fleet, "commit", "-m", "move dev").exit_code == 0


def test_disk_full_while_staging_still_reports_the_findings_first(
    fleet: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Units are staged as they render, before validation: a disk that is full then must not hide
    what validation finds (it is what the user has to fix first), nor leave anything behind."""
    spec = fleet / "releases/fleet-01.yaml"
    spec.write_text(re.sub(r"serving:2\.19\.1@sha256:[0-9a-f]+", "serving:latest", spec.read_text()), encoding="utf-8")
    git(fleet, "commit", "-qam", "unpinned image")
    before = snapshot(fleet)

    def write_file(target: str, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(staging, "write_file", write_file)
    result = run(fleet, "commit", "-m", "move dev")
    assert result.exit_code == 1, result.err
    assert "is not pinned by digest" in result.err and "No space left on device" not in result.err
    assert "nothing written or committed" in result.err
    assert snapshot(fleet) == before


def test_failure_between_environment_swaps_restores_every_environment(
    fleet: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(fleet / "environments/prod.yaml", "namespace: models-prod", "namespace: models-prod2")
    git(fleet, "commit", "-qam", "move prod")
    before = snapshot(fleet)
    calls = {"n": 0}
    real_rename = writer.os.rename

    def rename(src: str, dst: str) -> None:
        calls["n"] += 1
        if calls["n"] == 4:  # one release swapped (2 renames), the next moved aside, its new one not in place
            raise OSError(errno.EIO, "Input/output error", str(dst))
        real_rename(src, dst)

    monkeypatch.setattr(writer.os, "rename", rename)
    result = run(fleet, "commit", "-m", "move dev and prod")
    assert result.exit_code == 3
    assert "could not write rendered/: Input/output error" in result.err
    assert snapshot(fleet) == before


def test_kill_between_write_and_commit_is_repaired_by_the_next_run(
    fleet: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = git(fleet, "rev-parse", "HEAD")

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    real_commit = commits.commit_blobs
    monkeypatch.setattr(commits, "commit_blobs", killed)
    assert run(fleet, "commit", "-m", "move dev").exit_code == 130
    assert git(fleet, "rev-parse", "HEAD") == head
    assert "rendered/dev/" in git(fleet, "status", "--porcelain")  # written, not committed
    monkeypatch.setattr(commits, "commit_blobs", real_commit)
    result = run(fleet, "commit", "-m", "move dev")
    assert result.exit_code == 0
    assert git(fleet, "rev-parse", "HEAD~1") == head
    assert git(fleet, "status", "--porcelain", "rendered") == ""
    assert run(fleet, "check").exit_code == 0


def _writer_workdir(repo: Path) -> Path | None:
    """The writer's own directory for its staging and backups, if the repository layer names one
    (generator.repo.lock.workdir); until it does, they live in rendered/ as `.modelops-*` entries."""
    try:
        lock = importlib.import_module("generator.repo.lock")
    except ModuleNotFoundError:
        return None
    return Path(lock.workdir(repo))


def leftovers(repo: Path) -> list[str]:
    """What an interrupted writer left: `.modelops-*` entries in rendered/ and its environment directories, and
    anything but a lock, the unit index or the kept answer in the writer's own directory."""
    rendered = repo / "rendered"
    shared = [rendered, *sorted(d for d in rendered.glob("*") if d.is_dir())] if rendered.is_dir() else []
    found = [entry for place in shared for entry in place.iterdir() if entry.name.startswith(".modelops-")]
    own = _writer_workdir(repo)
    if own is not None and own.is_dir():
        kept = ("index.pickle", "settled.pickle")
        found += [entry for entry in own.iterdir() if "lock" not in entry.name and entry.name not in kept]
    return sorted(str(entry.relative_to(repo)) for entry in found)


def dev_units(repo: Path) -> dict[str, str]:
    """Each live release directory of dev (and _argocd): "old" (models-dev), "new" (models-dev2) or "missing"."""
    states = {}
    for name in ["_argocd", *sorted(p.stem for p in (repo / "releases").glob("*.yaml"))]:
        unit = repo / "rendered/dev" / name
        text = "".join(p.read_text(encoding="utf-8") for p in unit.glob("*.yaml")) if unit.is_dir() else None
        states[name] = "missing" if text is None else "new" if "models-dev2" in text else "old"
    return states


def phase(repo: Path, head: str) -> str:
    """Which phase of `commit` the repository shows (the run stopped): read from the files and git alone."""
    states = set(dev_units(repo).values())
    if git(repo, "rev-parse", "HEAD") != head:
        return "committed"
    if states == {"old"}:
        return "staging" if leftovers(repo) else "rendering"
    if states == {"new"}:
        return "swapped" if leftovers(repo) else "committing"
    return "swapping"  # some directories new, some old or moved aside


def stopped_at(repo: Path, point: str, log: Path) -> subprocess.Popen[bytes]:
    """`modelops commit` in a child process, stopped (SIGSTOP) just before `point` (see tests/crash_points.py)."""
    with log.open("wb") as err:  # a file, not a pipe: a full pipe would block the child before its point
        child = subprocess.Popen(
            [sys.executable, str(PROJECT / "tests/crash_points.py"), point, str(repo), "commit", "-m", "move dev"],
            env={**os.environ, "MODELOPS_JOBS": "1"},  # one process: the point is reached here, not in a worker
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    deadline = time.monotonic() + 300  # only so that a child that hangs cannot hang the suite
    while time.monotonic() < deadline:
        pid, status = os.waitpid(child.pid, os.WUNTRACED | os.WNOHANG)
        if pid == 0:
            time.sleep(0.01)
        elif os.WIFSTOPPED(status):
            return child
        else:
            child.returncode = os.waitstatus_to_exitcode(status)
            pytest.fail(f"the run ended ({child.returncode}) before {point}: {log.read_text()}")
    child.kill()
    child.wait()
    pytest.fail(f"the run neither stopped before {point} nor ended")


@pytest.mark.parametrize("point", crash_points.POINTS)
def test_sigkill_in_each_phase_then_the_next_run_converges(fleet: Path, tmp_path: Path, point: str) -> None:
    """A real process stopped at a known point of its work, the phase checked on disk, then killed with SIGKILL;
    whatever it left, the next run repairs it, writes the right tree and makes the one commit."""
    head = git(fleet, "rev-parse", "HEAD")
    child = stopped_at(fleet, point, tmp_path / "stderr")
    try:
        seen = phase(fleet, head)
        assert seen == point, f"stopped before {point} but the repository shows {seen}: {dev_units(fleet)}"
        if point in ("staging", "swapping", "swapped"):
            assert leftovers(fleet), "the writer's staging or backups should be on disk"
    finally:
        child.kill()  # SIGKILL: no clean-up of any kind runs in the child
        child.wait()
    assert child.returncode == -signal.SIGKILL
    after = modelops_subprocess(fleet, "commit", "-m", "move dev")
    assert after.returncode == 0, after.stderr
    assert "Traceback" not in after.stderr
    assert git(fleet, "status", "--porcelain", "rendered") == ""
    assert leftovers(fleet) == []
    assert set(dev_units(fleet).values()) == {"new"}
    assert modelops_subprocess(fleet, "check").returncode == 0
    subprocess.run(["git", "fsck", "--no-dangling"], cwd=fleet, check=True, capture_output=True)
    assert git(fleet, "rev-parse", "HEAD~1") == head  # exactly one commit, on top of the one before
    assert git(fleet, "log", "-1", "--format=%s") == "move dev"
    assert "namespace: models-dev2" in git(fleet, "show", "HEAD:rendered/dev/fleet-01/manifest.yaml")


def test_unrelated_work_in_a_dirty_tree_is_left_alone(fleet: Path, run: Runner) -> None:
    write(fleet / "docs/notes.md", "staged\n")
    git(fleet, "add", "docs/notes.md")
    write(fleet / "scratch.txt", "untracked\n")
    edit(fleet / "releases/fleet-01.yaml", "maxReplicas: 6", "maxReplicas: 7")
    assert run(fleet, "commit", "-m", "move dev").exit_code == 3  # an uncommitted spec is refused, and listed
    assert run(fleet, "commit", "-m", "move dev", "--allow-dirty").exit_code == 0
    committed = git(fleet, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert committed and all(path.startswith("rendered/") for path in committed)
    status = git(fleet, "status", "--porcelain")
    assert "A  docs/notes.md" in status and "?? scratch.txt" in status and " M releases/fleet-01.yaml" in status


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda repo: git(repo, "checkout", "-q", "--detach"), "HEAD is detached"),
        (lambda repo: write(repo / ".git/index.lock", ""), "index.lock exists"),
    ],
    ids=["detached-head", "index-lock"],
)
def test_git_states_the_tool_must_not_touch(fleet: Path, run: Runner, setup: object, message: str) -> None:
    setup(fleet)  # type: ignore[operator]
    before = snapshot(fleet) if message != "index.lock exists" else None
    result = run(fleet, "commit", "-m", "move dev")
    assert result.exit_code == 3
    assert message in result.err
    assert "Traceback" not in result.err
    if before is not None:
        assert snapshot(fleet) == before
    else:
        assert (fleet / ".git/index.lock").exists()  # someone else's lock is not ours to remove
        assert "rendered/dev/" not in git(fleet, "status", "--porcelain", "--untracked-files=no")


def test_worker_processes_end_when_the_parent_is_killed(example: Path) -> None:
    base = (example / "releases/toxicity-classifier.yaml").read_text()
    for i in range(200):  # enough releases that rendering takes a while in the workers
        write(example / f"releases/fleet-{i:03d}.yaml", base.replace("toxicity-classifier", f"fleet-{i:03d}"))
    env = {**os.environ, "MODELOPS_JOBS": "2", "MODELOPS_NO_CACHE": "1"}
    proc = subprocess.Popen(["modelops", "--repo", str(example), "validate"], env=env, stdout=subprocess.DEVNULL)
    children: list[int] = []
    deadline = time.monotonic() + 30
    while not children and proc.poll() is None and time.monotonic() < deadline:
        listed = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True)
        children = [int(pid) for pid in listed.stdout.split()]
        time.sleep(0.01)
    assert children, "the run ended before its workers were seen"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if alive(pid)]


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for whatever adopted it to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"
