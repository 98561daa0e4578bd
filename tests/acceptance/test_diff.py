"""`modelops diff --base REF`: a pull request's effect on the manifests, per environment."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import Runner, edit, files_under, git


def test_no_change(example_repo: Path, run: Runner) -> None:
    result = run(example_repo, "diff", "--base", "HEAD", "--exit-code")
    assert (result.exit_code, result.out) == (0, "no differences from HEAD\n")


def test_changed_added_and_removed_objects(example_repo: Path, run: Runner) -> None:
    edit(example_repo / "releases/toxicity-classifier.yaml", "maxReplicas: 6", "maxReplicas: 8")
    shutil.copy(example_repo / "releases/bge-embeddings.yaml", example_repo / "releases/bge-large.yaml")
    edit(example_repo / "releases/bge-large.yaml", "name: bge-embeddings", "name: bge-large")
    (example_repo / "releases/resnet50-classifier.yaml").unlink()
    before = files_under(example_repo)
    status = git(example_repo, "status", "--porcelain")

    result = run(example_repo, "diff", "--base", "HEAD", "-o", "json")
    assert result.exit_code == 0  # differences alone are not a failure without --exit-code
    report = result.json()
    assert report["differences"] is True
    assert list(report["environments"]) == ["dev", "staging", "prod"]
    dev = report["environments"]["dev"]
    assert dev["summary"] == {"added": 10, "changed": 1, "removed": 11}  # each with its PrometheusRule
    changed = {o["file"]: o for o in dev["objects"] if o["status"] == "changed"}
    hpa = changed["rendered/dev/toxicity-classifier/manifest.yaml"]
    assert "-  maxReplicas: 6\n+  maxReplicas: 8\n" in hpa["diff"]
    assert "rendered/dev/_argocd/manifest.yaml" not in changed  # same kinds before and after
    assert {o["kind"] for o in dev["objects"] if o["status"] == "removed"} >= {"Deployment", "Application"}
    # The working tree and the index are exactly as they were.
    assert files_under(example_repo) == before
    assert git(example_repo, "status", "--porcelain") == status
    assert run(example_repo, "diff", "--base", "HEAD", "--exit-code", "-q").exit_code == 1


def test_markdown_for_a_pull_request_comment(example_repo: Path, run: Runner) -> None:
    edit(example_repo / "releases/llama3-8b-chat.yaml", "maxModelLen: 8192", "maxModelLen: 16384")
    md = run(example_repo, "diff", "--base", "HEAD", "-o", "markdown", "--env", "dev").out
    assert md.startswith("### modelops: manifests compared with `HEAD`\n")
    assert "#### dev: 0 added, 2 changed, 0 removed" in md
    assert "| changed | llama3-8b-chat | `ConfigMap/llama3-8b-chat-runtime` |" in md
    assert "<details>\n<summary>ConfigMap/llama3-8b-chat-runtime (dev)</summary>" in md
    assert "-    max-model-len: 8192\n+    max-model-len: 16384" in md
    assert "#### staging" not in md


def test_base_that_does_not_render_compares_with_nothing(example_repo: Path, run: Runner) -> None:
    edit(example_repo / "releases/bge-embeddings.yaml", "kind: triton", "kind: tritonn")
    git(example_repo, "commit", "-qam", "broken")
    edit(example_repo / "releases/bge-embeddings.yaml", "kind: tritonn", "kind: triton")
    result = run(example_repo, "diff", "--base", "HEAD", "-o", "json")
    assert result.exit_code == 0
    assert "does not render" in result.err
    assert result.json()["environments"]["dev"]["summary"]["added"] > 40


def test_unknown_base_is_a_repository_error(example_repo: Path, run: Runner) -> None:
    result = run(example_repo, "diff", "--base", "no-such-branch")
    assert result.exit_code == 3
    assert "unknown git revision 'no-such-branch'" in result.err
