"""Shared fixtures: real files, real git repositories (with a bare remote on disk), the real CLI."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generator.cli import main as cli_module

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE_DIRS = ("environments", "releases", "policies")
# The day every test runs on (MODELOPS_TODAY), whatever the real date: waiver expiry never depends on the clock.
TODAY = datetime.date(2026, 6, 15)
# The bundled example's input files, by the kind `modelops schema` names.
KIND_FILES = {
    "release": sorted((PROJECT / "releases").glob("*.yaml")),
    "environment": sorted((PROJECT / "environments").glob("*.yaml")),
    "policy": sorted(p for p in (PROJECT / "policies").glob("*.yaml") if p.name != "waivers.yaml"),
    "waivers": [PROJECT / "policies/waivers.yaml"],
}


def git(cwd: Path, *args: str) -> str:
    """Run git for test set-up and inspection; identity comes from the environment fixture."""
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _scratch_home(mp: pytest.MonkeyPatch, home: Path) -> None:
    """HOME, and the XDG directories below it, in a temporary directory: nothing reads or writes the real ~."""
    mp.setenv("HOME", str(home))
    mp.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    mp.setenv("XDG_CACHE_HOME", str(home / ".cache"))  # the render cache, pre-commit's and pip's caches


@pytest.fixture(scope="session", autouse=True)
def _isolated_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Session- and module-scoped fixtures are set up before `_isolated_git`: a scratch home and the fixed day
    for them too (a module fixture that renders would otherwise fill the real ~/.cache/modelops)."""
    with pytest.MonkeyPatch.context() as mp:
        _scratch_home(mp, tmp_path_factory.mktemp("session-home"))
        mp.setenv("MODELOPS_TODAY", TODAY.isoformat())
        yield


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No global git config, a fixed identity, no colour, a fixed day: every test sees the same git and date."""
    _scratch_home(monkeypatch, tmp_path_factory.mktemp("home"))
    # generator.clock reads "today" from here; subprocesses and pre-commit hooks inherit it.
    monkeypatch.setenv("MODELOPS_TODAY", TODAY.isoformat())
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(var, "Test User")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(var, "test@example.com")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    monkeypatch.delenv("MODELOPS_REPO", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def copy_example(dest: Path, dirs: tuple[str, ...] = EXAMPLE_DIRS) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in dirs:
        if (PROJECT / name).is_dir():
            shutil.copytree(PROJECT / name, dest / name)
    return dest


def init_repo(path: Path, branch: str = "main") -> Path:
    git(path, "init", "-q", "-b", branch)
    return path


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The bundled example repository content in a fresh directory (not a git repository)."""
    return copy_example(tmp_path / "gitops")


@pytest.fixture
def example_repo(example: Path) -> Path:
    """The example content in a git repository with one commit holding the specs."""
    init_repo(example)
    git(example, "add", "-A")
    git(example, "commit", "-q", "-m", "specs")
    return example


@pytest.fixture
def base(example_repo: Path, run: Runner) -> str:
    """The example rendered and committed on main (a pull request's base), then a branch."""
    assert run(example_repo, "commit", "-q").exit_code == 0
    git(example_repo, "checkout", "-q", "-b", "change")
    return git(example_repo, "rev-parse", "HEAD")


@pytest.fixture
def remote(example_repo: Path, tmp_path: Path) -> Path:
    """A bare repository on disk that example_repo tracks as origin/main."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(example_repo, "remote", "add", "origin", str(bare))
    git(example_repo, "push", "-q", "-u", "origin", "main")
    return bare


@dataclass
class Result:
    exit_code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Runner = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Iterator[Runner]:
    """Run the real `modelops` entry point in-process: run(repo, "validate", "-o", "json")."""

    def invoke(repo: Path | None, *args: str) -> Result:
        capsys.readouterr()
        argv = (["--repo", str(repo)] if repo is not None else []) + list(args)
        code = cli_module.main(argv)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    yield invoke


def init_below(outer: Path, run: Runner, below: str = "deploy/models") -> Path:
    """`modelops init` of a GitOps repository at `below` in the work tree `outer`, committed and rendered once."""
    sub = outer / below
    assert run(None, "init", str(sub)).exit_code == 0
    git(outer, "add", "-A")
    git(outer, "commit", "-q", "-m", "modelops init")
    assert run(sub, "commit", "-m", "first render").exit_code == 0
    return sub


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# A secret of a release's own, as llama3-70b-instruct declared one before the example's secrets moved to
# the environments (spec.secrets): for tests of what a release's `secrets` render.
RELEASE_SECRET = (
    "  secrets:\n    - name: huggingface\n      external:\n        store: vault-backend\n"
    "        key: ml-platform/huggingface\n"
)


def add_release_secret(repo: Path, release: str = "llama3-70b-instruct") -> None:
    edit(repo / f"releases/{release}.yaml", "\n  environments:\n", "\n" + RELEASE_SECRET + "  environments:\n")


def drop_shared_secrets(repo: Path, *environments: str) -> None:
    """Take out the spec.secrets block the example's environment files end with."""
    for env in environments:
        path = repo / f"environments/{env}.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: text.index("  # Secrets several releases read")], encoding="utf-8")


def add_fleet(repo: Path, count: int, prefix: str = "fleet") -> list[str]:
    """`count` more releases, copies of toxicity-classifier (dev, staging and prod), named prefix-NNN."""
    base = (repo / "releases/toxicity-classifier.yaml").read_text(encoding="utf-8")
    names = [f"{prefix}-{i:03d}" for i in range(1, count + 1)]
    for name in names:
        write(repo / f"releases/{name}.yaml", base.replace("toxicity-classifier", name))
    return names


def committed_fleet(repo: Path, run: Runner, count: int) -> list[str]:
    """add_fleet, the specs committed, then rendered and committed by `modelops commit`."""
    names = add_fleet(repo, count)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "fleet")
    assert run(repo, "commit", "-m", "first render").exit_code == 0
    return names


def manifest_objects(text: str) -> dict[str, dict[str, Any]]:
    """The objects of one manifest.yaml, by `Kind/name`."""
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in yaml.safe_load_all(text) if d}


def rendered_object(repo: Path, env: str, unit: str, kind: str, name: str | None = None) -> dict[str, Any]:
    """One object of rendered/<env>/<unit>/manifest.yaml on disk (`name` defaults to the unit's)."""
    text = (repo / f"rendered/{env}/{unit}/manifest.yaml").read_text(encoding="utf-8")
    return manifest_objects(text)[f"{kind}/{name or unit}"]


def files_under(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def modelops_subprocess(repo: Path, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """The installed console script in a child process (for crash and concurrency tests)."""
    env = {**os.environ, **kwargs.pop("env", {})}
    return subprocess.run(["modelops", "--repo", str(repo), *args], capture_output=True, text=True, env=env, **kwargs)


def schema_errors(document: dict[str, Any], data: Any) -> list[str]:
    """Messages of `data` against the JSON Schema `document`."""
    # No registry: a $ref that leaves the document cannot resolve, so passing proves it is self-contained.
    validator = jsonschema.validators.validator_for(document)(document)
    return [e.message for e in validator.iter_errors(data)]


# ------------------------------------------------------------------ pre-commit: the shipped hooks under test


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git copy of this project's current files (uncommitted work included): the hook repository pre-commit clones."""
    dest = tmp_path_factory.mktemp("hooks") / "modelops"
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=PROJECT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        if (PROJECT / rel).is_file() and not rel.startswith("rendered/"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT / rel, dest / rel)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e.x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e.x",
        "HOME": str(dest.parent),
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "hooks under test"]):
        subprocess.run(["git", *args], cwd=dest, check=True, env=env, capture_output=True)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=dest, check=True, env=env, capture_output=True, text=True
    ).stdout.strip()
    return dest, rev


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PRE_COMMIT_HOME for the session, so the hook environment is installed once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
def pip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip's cache while pre-commit installs the hooks: shared by the session, never the real ~/.cache/pip."""
    return tmp_path_factory.mktemp("pip-cache")
