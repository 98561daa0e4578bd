"""`modelops diff --base REF`: a pull request's effect on the manifests, per environment."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import Runner, committed_fleet, edit, files_under, git

DIGEST = "sha256:" + "ab" * 32


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
    assert md.splitlines()[2].startswith("| release | environment | change | version |")
    assert "| llama3-8b-chat | dev | changed | 3.1.1 | vllm-openai:v0.11.0@e44d97c0 |" in md
    assert "#### dev: 0 added, 2 changed, 0 removed" in md
    # The ConfigMap's hash in the pod template rolls the pods: both are content, neither collapses.
    assert "<details><summary>ConfigMap/llama3-8b-chat-runtime (+1 \u22121)</summary>" in md
    assert "<details><summary>Deployment/llama3-8b-chat (+1 \u22121)</summary>" in md
    assert "-    max-model-len: 8192\n+    max-model-len: 16384" in md
    assert "#### staging" not in md


def test_base_that_does_not_render_compares_with_what_it_committed(example_repo: Path, run: Runner) -> None:
    """A broken base (or one a newer modelops refuses): the comparison is with its committed rendered/."""
    assert run(example_repo, "commit", "-m", "initial render").exit_code == 0
    edit(example_repo / "releases/bge-embeddings.yaml", "kind: triton", "kind: tritonn")
    git(example_repo, "commit", "-qam", "broken, rendered/ left as it was")
    edit(example_repo / "releases/bge-embeddings.yaml", "kind: tritonn", "kind: triton")
    edit(example_repo / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 5")
    result = run(example_repo, "diff", "--base", "HEAD", "-o", "json")
    assert result.exit_code == 0
    assert "does not render" in result.err and "comparing with its committed rendered/" in result.err
    environments = result.json()["environments"]
    assert environments["dev"]["summary"] == {"added": 0, "changed": 1, "removed": 0}
    (change,) = environments["dev"]["objects"]
    assert (change["kind"], change["name"], change["status"]) == (
        "HorizontalPodAutoscaler",
        "bge-embeddings",
        "changed",
    )


def test_unknown_base_is_a_repository_error(example_repo: Path, run: Runner) -> None:
    result = run(example_repo, "diff", "--base", "no-such-branch")
    assert result.exit_code == 3
    assert "unknown git revision 'no-such-branch'" in result.err


def test_a_version_bump_is_a_short_diff(example_repo: Path, run: Runner) -> None:
    """set-version in a pull request: a summary row, the labels on one line, the workload's diff."""
    assert run(example_repo, "commit", "-m", "initial render").exit_code == 0
    uri = "s3://models/meta-llama/llama-3.1-8b-instruct/3.2.0/"
    args = ("llama3-8b-chat", "--version", "3.2.0", "--uri", uri, "--digest", DIGEST)
    assert run(example_repo, "set-version", *args, "--commit").exit_code == 0
    md = run(example_repo, "diff", "--base", "HEAD~1", "-o", "markdown").out
    lines = md.splitlines()
    assert len(lines) < 80, md
    assert lines[2].startswith("| release | environment | change | version | image | artifact | replicas |")
    assert lines[4].startswith("| llama3-8b-chat | dev | changed | 3.1.1 → 3.2.0 | vllm-openai:v0.11.0@e44d97c0 |")
    assert "…/llama-3.1-8b-instruct/3.1.1/ @699d88c8 → …/llama-3.1-8b-instruct/3.2.0/ @abababab" in lines[4]
    assert len([line for line in lines if line.startswith("| llama3-8b-chat |")]) == 1  # dev only
    assert "**llama3-8b-chat**: 9 objects differ only in version labels: `ConfigMap/llama3-8b-chat-runtime`" in md
    assert md.count("<details>") == 1 and "<details><summary>Deployment/llama3-8b-chat (+" in md
    report = run(example_repo, "diff", "--base", "HEAD~1", "-o", "json").json()
    assert report["truncated"] is False
    (row,) = report["summary"]
    assert row["changed"] == ["version", "artifact"]
    assert row["fields"]["version"] == {"before": "3.1.1", "after": "3.2.0"}
    (collapsed,) = report["environments"]["dev"]["collapsed"]
    assert collapsed["unit"] == "llama3-8b-chat" and len(collapsed["objects"]) == 9
    text = run(example_repo, "diff", "--base", "HEAD~1").out
    assert text.startswith("llama3-8b-chat in dev: changed: version 3.1.1 → 3.2.0, artifact s3://")


def test_an_environment_wide_change_at_300_releases_stays_under_the_limit(example_repo: Path, run: Runner) -> None:
    committed_fleet(example_repo, run, 294)
    edit(example_repo / "environments/staging.yaml", "namespace: models-staging", "namespace: models-staging2")
    md = run(example_repo, "diff", "--base", "HEAD", "-o", "markdown").out
    assert len(md) <= 60_000
    rows = [line for line in md.splitlines() if line.startswith("| ") and "| staging | changed |" in line]
    assert len(rows) == 300  # the whole summary: every release in staging
    assert md.count("```") % 2 == 0 and md.count("<details>") == md.count("</details>") > 0
    footer = md.splitlines()[-1]
    assert footer.startswith("_Cut to stay under 60,000 characters: ")
    assert "objects in 1 environment (staging) not shown" in footer
    assert "`modelops diff --base HEAD -o markdown --max-chars 0`" in footer
    small = run(example_repo, "diff", "--base", "HEAD", "-o", "markdown", "--max-chars", "20000").out
    assert len(small) <= 20_000 and "summary rows and" in small.splitlines()[-1]
    report = run(example_repo, "diff", "--base", "HEAD", "-o", "json").json()
    assert report["truncated"] is True and report["maxChars"] == 60_000
    assert len(report["summary"]) == 300 and report["cut"]["environments"] == ["staging"]
    assert len(report["environments"]["staging"]["objects"]) > 2900  # the data holds every object
