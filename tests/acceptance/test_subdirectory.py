"""A GitOps repository in a subdirectory of a git repository: found, committed, and pointed at by Argo CD."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Runner, edit, git, init_repo, rendered_object, write


def test_init_render_commit_status_provenance_and_diff_in_a_subdirectory(tmp_path: Path, run: Runner) -> None:
    (tmp_path / "monorepo").mkdir()
    outer = init_repo(tmp_path / "monorepo")
    write(outer / "README.md", "the platform team's repository\n")
    git(outer, "add", "-A")
    git(outer, "commit", "-q", "-m", "start")
    sub = outer / "deploy/models"
    assert run(None, "init", str(sub)).exit_code == 0
    assert 'path: "deploy/models"' in (sub / "environments/dev.yaml").read_text()
    git(outer, "add", "-A")
    git(outer, "commit", "-q", "-m", "modelops init")

    result = run(sub, "commit", "-m", "first render")
    assert result.exit_code == 0, result.err
    committed = git(outer, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
    assert "deploy/models/rendered/dev/text-classifier/manifest.yaml" in committed
    assert not [p for p in committed if p.startswith("rendered/")]
    app = rendered_object(sub, "dev", "_argocd", "Application", "text-classifier-dev")
    assert app["spec"]["source"]["path"] == "deploy/models/rendered/dev/text-classifier"
    assert git(outer, "status", "--porcelain") == ""
    assert "Source-Commit: " + git(outer, "rev-parse", "HEAD~1") in git(outer, "log", "-1", "--format=%B")

    status = run(sub, "status", "-o", "json")
    assert status.exit_code == 0
    assert [r["release"] for r in status.json()["environments"]["dev"]] == ["text-classifier"]
    trace = run(sub, "provenance", "text-classifier", "--env", "dev", "-o", "json")
    assert trace.exit_code == 0, trace.err
    assert trace.json()["releases"][0]["inputsVerified"] is True

    edit(sub / "releases/text-classifier.yaml", "maxReplicas: 4", "maxReplicas: 5")
    git(outer, "commit", "-qam", "scale")
    diff = run(sub, "diff", "--base", "HEAD~1")  # the base's specs are read from git, below deploy/models/
    assert diff.exit_code == 0, diff.err
    assert "HorizontalPodAutoscaler/text-classifier" in diff.out


def test_a_gitops_path_that_is_not_where_the_repository_is_stops_commit(tmp_path: Path, run: Runner) -> None:
    (tmp_path / "monorepo").mkdir()
    outer = init_repo(tmp_path / "monorepo")
    sub = outer / "gitops"
    assert run(None, "init", str(sub)).exit_code == 0
    for env in (sub / "environments").glob("*.yaml"):
        edit(env, '    path: "gitops"   # this repository\'s directory in the git repository\n', "")
    result = run(sub, "commit", "--allow-dirty")  # nothing committed yet: the paths are checked first
    assert result.exit_code == 1
    assert "environments/dev.yaml" in result.err and 'set spec.gitops.path: "gitops"' in result.err
    assert git(outer, "rev-list", "--all") == ""


def test_render_and_check_refuse_applications_that_point_elsewhere(tmp_path: Path, run: Runner) -> None:
    (tmp_path / "monorepo").mkdir()
    outer = init_repo(tmp_path / "monorepo")
    sub = outer / "deploy/git ops"  # a space: the path is written quoted and accepted
    assert run(None, "init", str(sub)).exit_code == 0
    assert run(sub, "render").exit_code == 0
    assert run(sub, "check").exit_code == 0
    app = (sub / "rendered/dev/_argocd/manifest.yaml").read_text()
    assert 'path: "deploy/git ops/rendered/dev/text-classifier"' in app
    for env in (sub / "environments").glob("*.yaml"):
        edit(env, '    path: "deploy/git ops"', '    path: "deploy/gitops"')
    for command in ("render", "check"):
        result = run(sub, command)
        assert result.exit_code == 1, command
        assert 'set spec.gitops.path: "deploy/git ops"' in result.err
