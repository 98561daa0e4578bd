"""The example GitHub Actions workflow: the publish job's shell steps run as GitHub runs them (bash -e) on real
clones; the pull-request job is the modelops action (tests/acceptance/test_action.py runs it)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from generator import distribution
from tests.conftest import PROJECT, Runner, edit, git

WORKFLOW = yaml.safe_load((PROJECT / "examples/github-actions/modelops.yml").read_text(encoding="utf-8"))
EXPRESSIONS = {"github.base_ref": "main"}


def steps(job: str) -> list[tuple[str, str]]:
    """(name, script) of the job's modelops steps (not install, not `gh`), with ${{ }} filled in as GitHub would."""
    out = []
    for step in WORKFLOW["jobs"][job]["steps"]:
        script = step.get("run", "")
        if "modelops" in script and "pip install" not in script and not script.startswith("gh "):
            script = re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: EXPRESSIONS[m.group(1)], script)
            out.append((step["name"], script))
    return out


def bash(cwd: Path, script: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GITHUB_SHA": "0123456789abcdef0123"}
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, capture_output=True, text=True, env=env)


@pytest.fixture
def published(example_repo: Path, remote: Path, run: Runner) -> Path:
    assert run(example_repo, "commit", "--push", "-m", "initial render").exit_code == 0
    return remote


def test_pull_request_job_runs_the_action_of_this_version() -> None:
    """The action's own steps run in tests/acceptance/test_action.py."""
    job = WORKFLOW["jobs"]["pull-request"]
    checkout, action = job["steps"]
    assert checkout == {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}}  # diff reads the base commit
    assert action["uses"] == f"{distribution.ACTION}@{distribution.tag()}"
    declared = yaml.safe_load((PROJECT / "action.yml").read_text(encoding="utf-8"))["inputs"]
    assert set(action["with"]) <= set(declared)
    assert job["permissions"] == {"contents": "read", "pull-requests": "write", "security-events": "write"}


def test_publish_job_renders_commits_and_pushes(published: Path, tmp_path: Path) -> None:
    work = tmp_path / "main"
    git(tmp_path, "clone", "-q", str(published), str(work))
    edit(work / "releases/llama3-8b-chat.yaml", "    maxReplicas: 3\n", "    maxReplicas: 4\n")
    git(work, "commit", "-q", "-am", "merged without rendering")
    for name, script in steps("publish"):
        done = bash(work, script)
        assert done.returncode == 0, f"{name}: {done.stderr}"
    subject = git(published, "log", "-1", "--format=%s", "main")
    assert subject.startswith("render 0123456789ab")
    hpa = "main:rendered/dev/llama3-8b-chat/manifest.yaml"
    assert "maxReplicas: 4" in git(published, "show", hpa)
