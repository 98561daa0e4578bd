"""`modelops schema` (self-contained schemas for editors) and `modelops init` (a new repository that works as is)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generator import atomic
from generator.cli import main as cli_module
from generator.cli import scaffolding
from generator.schemas import bundle, shipped
from tests.conftest import PROJECT, Runner, git, write

KIND_FILES = {
    "release": sorted((PROJECT / "releases").glob("*.yaml")),
    "environment": sorted((PROJECT / "environments").glob("*.yaml")),
    "policy": sorted(p for p in (PROJECT / "policies").glob("*.yaml") if p.name != "waivers.yaml"),
    "waivers": [PROJECT / "policies/waivers.yaml"],
}
SCHEMA_LINE = "# yaml-language-server: $schema="


def printed(run: Runner, kind: str) -> dict[str, Any]:
    result = run(None, "schema", kind)
    assert result.exit_code == 0, result.err
    return json.loads(result.out)


def errors(document: dict[str, Any], data: Any) -> list[str]:
    # No registry: a $ref that leaves the document cannot resolve, so passing proves it is self-contained.
    validator = jsonschema.validators.validator_for(document)(document)
    return [e.message for e in validator.iter_errors(data)]


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref" and isinstance(v, str)] + [
            r for v in node.values() for r in refs(v)
        ]
    if isinstance(node, list):
        return [r for item in node for r in refs(item)]
    return []


# ------------------------------------------------------------------------------ schema


@pytest.mark.parametrize("kind", list(bundle.KINDS))
def test_printed_schema_is_self_contained_and_described(run: Runner, kind: str) -> None:
    document = printed(run, kind)
    original = shipped.schema(bundle.KINDS[kind])
    assert document["$schema"] == original["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"] == original["$id"]
    assert document["title"] and document["description"]
    jsonschema.Draft202012Validator.check_schema(document)
    for ref in refs(document):
        assert ref.startswith("#/$defs/"), ref
        assert ref.removeprefix("#/$defs/").split("/")[0] in document["$defs"]


@pytest.mark.parametrize("kind", list(bundle.KINDS))
def test_printed_schema_accepts_every_bundled_file(run: Runner, kind: str) -> None:
    document = printed(run, kind)
    assert KIND_FILES[kind]
    for path in KIND_FILES[kind]:
        assert errors(document, yaml.safe_load(path.read_text(encoding="utf-8"))) == [], path


def test_printed_schema_rejects_what_modelops_rejects(run: Runner) -> None:
    release = printed(run, "release")
    spec = yaml.safe_load((PROJECT / "releases/llama3-8b-chat.yaml").read_text(encoding="utf-8"))
    spec["spec"]["scaling"]["minReplica"] = 1  # a typo
    assert errors(release, spec)
    assert shipped.validate("modelrelease.schema.json", spec)
    spec = yaml.safe_load((PROJECT / "releases/llama3-8b-chat.yaml").read_text(encoding="utf-8"))
    spec["spec"]["resources"]["gpu"]["count"] = "one"
    assert errors(release, spec)
    environment = printed(run, "environment")
    env = yaml.safe_load((PROJECT / "environments/prod.yaml").read_text(encoding="utf-8"))
    env["spec"]["defaults"]["rollout"] = {"strategy": "big-bang"}  # a definition borrowed from the release schema
    assert errors(environment, env)


def test_schema_usage_errors(run: Runner) -> None:
    unknown = run(None, "schema", "deployment")
    assert unknown.exit_code == 2 and "deployment" in unknown.err
    missing = run(None, "schema")
    assert missing.exit_code == 2 and "--write" in missing.err


def test_cli_choices_are_the_bundled_kinds() -> None:
    command = cli_module.cli.commands["schema"]
    kind = next(p for p in command.params if p.name == "kind")
    assert list(kind.type.choices) == list(bundle.KINDS)


def test_write_gives_the_printed_bytes_every_time(run: Runner, tmp_path: Path) -> None:
    out = tmp_path / ".schemas"
    assert run(None, "schema", "--write", str(out)).exit_code == 0
    first = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert sorted(first) == sorted(f"{kind}.schema.json" for kind in bundle.KINDS)
    for name, content in first.items():
        assert content == run(None, "schema", name.split(".")[0]).out.encode()
        assert content.endswith(b"}\n") and b"\r" not in content
    assert run(None, "schema", "--write", str(out)).exit_code == 0
    assert {p.name: p.read_bytes() for p in sorted(out.iterdir())} == first  # no leftovers, same bytes
    only = run(None, "schema", "release", "--write", str(tmp_path / "one"))
    assert only.exit_code == 0 and [p.name for p in (tmp_path / "one").iterdir()] == ["release.schema.json"]
    write(tmp_path / "file", "x")
    assert run(None, "schema", "--write", str(tmp_path / "file")).exit_code == 2


# ------------------------------------------------------------------------------ init


@pytest.fixture
def scaffold(tmp_path: Path, run: Runner) -> Path:
    target = tmp_path / "work" / "model-gitops"
    result = run(None, "init", str(target))
    assert result.exit_code == 0, result.err
    assert "initialised an empty git repository (branch main)" in result.out
    return target


def test_init_renders_validates_lints_and_commits(scaffold: Path, run: Runner) -> None:
    assert git(scaffold, "symbolic-ref", "--short", "HEAD") == "main"
    assert run(scaffold, "render").exit_code == 0
    validated = run(scaffold, "validate")
    assert validated.exit_code == 0, validated.out + validated.err
    assert validated.out.strip().endswith("0 invalid; 0 errors, 0 warnings")
    assert run(scaffold, "lint", str(scaffold / "releases/text-classifier.yaml")).exit_code == 0
    assert run(scaffold, "policy", "test").exit_code == 0
    committed = run(scaffold, "commit", "-m", "first render")
    assert committed.exit_code == 0 and committed.out.startswith("committed ")
    assert git(scaffold, "log", "-1", "--format=%s") == "first render"
    assert run(scaffold, "check").exit_code == 0


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
        assert errors(json.loads(target.read_text(encoding="utf-8")), yaml.safe_load(path.read_text())) == [], path


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
    scripts = [step.get("run", "") for step in doc["jobs"]["pull-request"]["steps"]]
    assert any("modelops validate" in s for s in scripts)
    assert any(s.strip() == "modelops check" for s in scripts)
    assert any("modelops diff --base" in s and "--output markdown" in s for s in scripts)


def test_init_pre_commit_hooks_mirror_the_shipped_hooks(scaffold: Path) -> None:
    shipped = {h["id"]: h for h in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    config = yaml.safe_load((scaffold / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [repo] = config["repos"]
    assert repo["repo"] == "local"
    # The two hooks of the README's pre-commit example; the others are for repositories of plain manifests.
    assert [h["id"] for h in repo["hooks"]] == ["modelops-lint", "modelops-check"]
    for hook in repo["hooks"]:
        assert hook["language"] == "system"
        for key in ("entry", "files", "pass_filenames", "types"):
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


def test_readme_shows_what_init_creates() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ modelops init model-gitops\ncreated model-gitops:\n", 1)[1].split("\ninitialised", 1)[0]
    assert [line.strip() for line in block.splitlines()] == list(scaffolding.files())
