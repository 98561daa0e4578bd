from __future__ import annotations

from pathlib import Path

from tests.conftest import Runner, edit, git


def test_status_reads_what_is_committed(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "status").out == "no rendered releases committed yet (run modelops commit)\n"
    run(example_repo, "commit", "-m", "first")
    first = git(example_repo, "rev-parse", "HEAD")
    edit(example_repo / "releases/toxicity-classifier.yaml", "maxReplicas: 6", "maxReplicas: 8")
    git(example_repo, "commit", "-qam", "more toxicity replicas")
    run(example_repo, "commit")
    second = git(example_repo, "rev-parse", "HEAD")
    edit(example_repo / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 9")  # not committed

    report = run(example_repo, "status", "-o", "json").json()["environments"]
    assert list(report) == ["dev", "staging", "prod"]
    prod = {r["release"]: r for r in report["prod"]}
    llama = prod["llama3-8b-chat"]
    assert llama["version"] == "3.1.0" and llama["strategy"] == "canary"
    assert llama["artifactDigest"] == "sha256:550df0e1d8540389ee7f5dde6ff95a2b1c8756658281ca2be325dade60521948"
    assert llama["imageDigest"] == "sha256:e44d97c0831ea25f1a5afb18388af5136e27eec77f466915df43bcd1f50f96d5"
    assert llama["commit"]["sha"] == first
    toxicity = prod["toxicity-classifier"]["commit"]
    assert toxicity == {
        "sha": second,
        "date": llama["commit"]["date"],
        "time": git(example_repo, "log", "-1", "--format=%cI", second),
        "author": "Test User <test@example.com>",
        "subject": "render toxicity-classifier (dev, staging, prod)",
    }
    assert toxicity["time"].startswith(toxicity["date"] + "T")
    assert prod["distilbert-sentiment"]["strategy"] == "canary"  # an InferenceService
    text = run(example_repo, "status").out
    assert "  llama3-8b-chat        3.1.0    canary      sha256:e44d97c0831e  sha256:550df0e1d854  " in text


def test_a_change_of_other_environments_is_not_this_ones_last_change(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "commit", "-m", "first").exit_code == 0
    first = git(example_repo, "rev-parse", "HEAD")
    # prod pins its own maxReplicas: the release-wide one changes dev and staging, and prod's provenance only.
    edit(example_repo / "releases/bge-embeddings.yaml", "    maxReplicas: 4\n", "    maxReplicas: 5\n")
    git(example_repo, "commit", "-qam", "more replicas outside prod")
    assert run(example_repo, "commit").exit_code == 0
    second = git(example_repo, "rev-parse", "HEAD")
    assert "rendered/prod/bge-embeddings/modelops.metadata" in git(example_repo, "show", "--name-only", second)
    report = run(example_repo, "status", "-o", "json").json()["environments"]
    last = {env: {r["release"]: r["commit"]["sha"] for r in rows} for env, rows in report.items()}
    assert last["dev"]["bge-embeddings"] == second
    assert last["prod"]["bge-embeddings"] == first
