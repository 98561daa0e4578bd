"""`modelops init`: a new repository that works as is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import atomic, distribution
from tests.conftest import KIND_FILES, PROJECT, Runner, git, schema_errors, write

SCHEMA_LINE = "# yaml-language-server: $schema="
ENVIRONMENTS = ("dev", "staging", "prod")


@pytest.fixture
def scaffold(tmp_path: Path, run: Runner) -> Path:
    target = tmp_path / "work" / "model-gitops"
    result = run(None, "init", str(target))
    assert result.exit_code == 0, result.err
    assert "initialised an empty git repository (branch main)" in result.out
    return target


def test_init_renders_validates_lints_and_commits(scaffold: Path, run: Runner) -> None:
    assert git(scaffold, "symbolic-ref", "--short", "HEAD") == "main"
    git(scaffold, "add", "-A")
    git(scaffold, "commit", "-q", "-m", "specs")  # as init says: `modelops commit` refuses uncommitted specs
    assert run(scaffold, "render").exit_code == 0
    validated = run(scaffold, "validate")
    assert validated.exit_code == 0, validated.out + validated.err
    # The example.com values init writes are warnings until replaced (none is waived in a new repository).
    assert validated.out.strip().endswith("0 invalid; 0 errors, 15 warnings")
    assert run(scaffold, "validate", "--strict").exit_code == 1
    assert run(scaffold, "lint", str(scaffold / "releases/text-classifier.yaml")).exit_code == 0
    assert run(scaffold, "policy", "test").exit_code == 0
    committed = run(scaffold, "commit", "-m", "first render")
    assert committed.exit_code == 0 and committed.out.startswith("committed ")
    assert git(scaffold, "log", "-1", "--format=%s") == "first render"
    assert run(scaffold, "check").exit_code == 0


def _warnings(run: Runner, repo: Path) -> list[tuple[str, int, str, str]]:
    report = run(repo, "validate", "-o", "json")
    assert report.exit_code == 0, report.out + report.err
    found = report.json()["diagnostics"]
    return sorted((d["file"], d["line"], d["field"], d["rule"]) for d in found if d["severity"] == "warning")


def test_init_placeholders_are_warnings_on_their_lines_until_replaced(scaffold: Path, run: Runner) -> None:
    found = _warnings(run, scaffold)
    fields = {"spec.cluster.server", "spec.gitops.repoURL", "spec.registries[0]", "spec.artifacts.fetcherImage"}
    for env in ("dev", "staging", "prod"):
        path = f"environments/{env}.yaml"
        lines = (scaffold / path).read_text(encoding="utf-8").splitlines()
        mine = [(line, field) for file, line, field, rule in found if file == path and rule == "MO-ENV-001"]
        assert {field for _, field in mine} == fields
        assert all("example.com" in lines[line - 1] for line, _ in mine)
    images = [f for f in found if f[3] == "MO-SUP-004"]
    assert {f[0] for f in images} == {f"rendered/{env}/text-classifier/manifest.yaml" for env in ENVIRONMENTS}
    assert {f[3] for f in found} == {"MO-ENV-001", "MO-SUP-004"}
    for path in [*scaffold.glob("environments/*.yaml"), *scaffold.glob("releases/*.yaml")]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("example.com", "corp.internal"), encoding="utf-8")
    assert run(scaffold, "render").exit_code == 0
    assert _warnings(run, scaffold) == []
    assert run(scaffold, "validate", "--strict").exit_code == 0


def test_init_files_point_editors_at_the_written_schemas(scaffold: Path, run: Runner) -> None:
    kinds = {"releases": "release", "environments": "environment", "policies": "policy"}
    specs = sorted(p for folder in kinds for p in (scaffold / folder).glob("*.yaml"))
    assert len(specs) >= 7
    for path in specs:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(SCHEMA_LINE), path
        target = (path.parent / first.removeprefix(SCHEMA_LINE)).resolve()
        kind = "waivers" if path.name == "waivers.yaml" else kinds[path.parent.name]
        assert target == scaffold / ".schemas" / f"{kind}.schema.json"
        assert target.read_text(encoding="utf-8") == run(None, "schema", kind).out
        document = json.loads(target.read_text(encoding="utf-8"))
        assert schema_errors(document, yaml.safe_load(path.read_text())) == [], path


def test_init_copies_the_bundled_policy_sets_and_no_waivers(scaffold: Path) -> None:
    for path in KIND_FILES["policy"]:
        copied = (scaffold / "policies" / path.name).read_text(encoding="utf-8")
        assert copied.split("\n", 1)[1] == path.read_text(encoding="utf-8")
    assert yaml.safe_load((scaffold / "policies/waivers.yaml").read_text(encoding="utf-8"))["waivers"] == []


def test_init_workflow_is_the_example_with_the_pull_request_checks(scaffold: Path) -> None:
    workflow = scaffold / ".github/workflows/modelops.yml"
    assert workflow.read_bytes() == (PROJECT / "examples/github-actions/modelops.yml").read_bytes()
    doc = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    triggers = doc.get("on", doc.get(True))  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers
    # Pull requests run the modelops action (validate, check, diff) of the version that wrote the workflow.
    uses = [step.get("uses", "") for step in doc["jobs"]["pull-request"]["steps"]]
    assert f"{distribution.ACTION}@{distribution.tag()}" in uses
    scripts = [step.get("run", "") for step in doc["jobs"]["publish"]["steps"]]
    assert f'python -m pip install "{distribution.pip_requirement()}"' in scripts


def test_init_pre_commit_hooks_mirror_the_shipped_hooks(scaffold: Path) -> None:
    shipped = {h["id"]: h for h in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    config = yaml.safe_load((scaffold / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [repo] = config["repos"]
    assert repo["repo"] == "local"
    # The hooks of the README's pre-commit example; the other is for repositories of plain manifests.
    assert [h["id"] for h in repo["hooks"]] == ["modelops-lint", "modelops-check", "modelops-commit-trailers"]
    # `pre-commit install` installs the commit-msg hook too; lint and check run before a commit only.
    assert config["default_install_hook_types"] == ["pre-commit", "commit-msg"]
    assert config["default_stages"] == ["pre-commit"]
    for hook in repo["hooks"]:
        assert hook["language"] == "system"
        for key in ("entry", "files", "pass_filenames", "types", "stages"):
            assert hook.get(key) == shipped[hook["id"]].get(key), (hook["id"], key)


def test_init_pre_commit_runs_offline(scaffold: Path, run: Runner, tmp_path: Path) -> None:
    assert run(scaffold, "render").exit_code == 0
    git(scaffold, "add", "-A")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # this modelops
    }

    def pre_commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pre-commit", "run", "--all-files"], cwd=scaffold, env=env, capture_output=True, text=True, timeout=300
        )

    passed = pre_commit()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "modelops lint" in passed.stdout and "modelops check" in passed.stdout
    with (scaffold / "releases/text-classifier.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  replica: 3\n")
    git(scaffold, "add", "-A")
    failed = pre_commit()
    assert failed.returncode == 1
    assert 'spec.replica: unknown field "replica"' in failed.stdout


def test_init_refuses_a_non_empty_directory(tmp_path: Path, run: Runner) -> None:
    target = write(tmp_path / "repo/notes.txt", "mine").parent
    result = run(None, "init", str(target))
    assert result.exit_code == 2
    assert "is not empty (notes.txt)" in result.err
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert run(None, "init", str(target / "notes.txt")).exit_code == 2


def test_init_into_a_clone_of_an_empty_repository(tmp_path: Path, run: Runner) -> None:
    target = tmp_path / "clone"
    git(tmp_path, "init", "-q", "-b", "main", str(target))
    result = run(None, "init", str(target))
    assert result.exit_code == 0, result.err
    assert "not running git init" in result.out
    assert (target / "releases/text-classifier.yaml").is_file()


def _init_in_clone(tmp_path: Path, run: Runner, branch: str, origin: str) -> Path:
    """`init` in a clone of an empty bare repository on `branch`, whose origin URL is then `origin`."""
    bare = tmp_path / "models.git"
    git(tmp_path, "init", "-q", "--bare", "-b", branch, str(bare))
    git(tmp_path, "clone", "-q", str(bare), "clone")
    target = tmp_path / "clone"
    git(target, "remote", "set-url", "origin", origin)
    assert run(None, "init", str(target)).exit_code == 0
    return target


def test_init_points_the_applications_at_the_clones_branch_and_origin(tmp_path: Path, run: Runner) -> None:
    target = _init_in_clone(tmp_path, run, "master", "https://git.corp.internal/platform/models.git")
    for env in ("dev", "staging", "prod"):
        gitops = yaml.safe_load((target / f"environments/{env}.yaml").read_text(encoding="utf-8"))["spec"]["gitops"]
        assert (gitops["repoURL"], gitops["targetRevision"]) == (
            "https://git.corp.internal/platform/models.git",
            "master",
        )
    found = _warnings(run, target)
    # repoURL is origin: neither a placeholder nor another repository (only the clusters and registries are left)
    assert not [f for f in found if f[2] == "spec.gitops.repoURL"]
    assert [f for f in found if f[2] == "spec.cluster.server"]


def test_init_repo_url_other_than_origin_is_a_warning(tmp_path: Path, run: Runner) -> None:
    target = _init_in_clone(tmp_path, run, "master", "git@git.corp.internal:platform/models.git")
    dev = target / "environments/dev.yaml"
    assert '    repoURL: "git@git.corp.internal:platform/models.git"' in dev.read_text(encoding="utf-8")
    # the https form of the same repository, without .git: the same repository
    same = "https://git.corp.internal/platform/models"
    dev.write_text(dev.read_text(encoding="utf-8").replace('"git@git.corp.internal:platform/models.git"', same))
    assert not [f for f in _warnings(run, target) if f[3] == "MO-ENV-002"]
    other = dev.read_text(encoding="utf-8").replace(same, "https://git.corp.internal/platform/other.git")
    dev.write_text(other, encoding="utf-8")
    line = next(i for i, text in enumerate(other.splitlines(), 1) if "platform/other.git" in text)
    assert [f for f in _warnings(run, target) if f[3] == "MO-ENV-002"] == [
        ("environments/dev.yaml", line, "spec.gitops.repoURL", "MO-ENV-002")
    ]


def test_init_in_cluster_http_origin_is_written_with_a_warning(tmp_path: Path, run: Runner) -> None:
    url = "http://gitea-http.gitea.svc:3000/platform/models.git"
    target = _init_in_clone(tmp_path, run, "main", url)
    gitops = yaml.safe_load((target / "environments/prod.yaml").read_text(encoding="utf-8"))["spec"]["gitops"]
    assert gitops["repoURL"] == url
    http = [f for f in _warnings(run, target) if f[3] == "MO-ENV-003"]
    assert [(f[0], f[2]) for f in http] == [
        (f"environments/{env}.yaml", "spec.gitops.repoURL") for env in ("dev", "prod", "staging")
    ]


def test_init_keeps_the_placeholder_for_an_origin_argo_cd_cannot_clone(tmp_path: Path, run: Runner) -> None:
    bare = tmp_path / "models.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(tmp_path, "clone", "-q", str(bare), "clone")  # origin is a path on this machine
    assert run(None, "init", str(tmp_path / "clone")).exit_code == 0
    gitops = yaml.safe_load((tmp_path / "clone/environments/dev.yaml").read_text(encoding="utf-8"))["spec"]["gitops"]
    assert gitops["repoURL"] == "https://git.example.com/platform/model-gitops.git"
    assert gitops["targetRevision"] == "main"


def test_init_inside_a_repository_does_not_nest_one(tmp_path: Path, run: Runner) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    result = run(None, "init", str(tmp_path / "deploy"))
    assert result.exit_code == 0, result.err
    assert f"inside the git repository {tmp_path}" in result.out
    assert not (tmp_path / "deploy/.git").exists()


def test_init_failing_part_way_leaves_nothing(tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    real_rename = os.rename
    calls: list[str] = []

    def rename(src: Any, dst: Any) -> None:
        calls.append(str(dst))
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(dst))
        real_rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", rename)
    result = run(None, "init", str(tmp_path / "new"))
    assert result.exit_code == 3
    assert "No space left on device" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # neither the directory nor the staging area
