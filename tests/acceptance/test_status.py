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
    assert prod["toxicity-classifier"]["commit"] == {
        "sha": second,
        "date": llama["commit"]["date"],
        "subject": "render toxicity-classifier (dev, staging, prod)",
    }
    assert prod["distilbert-sentiment"]["strategy"] == "canary"  # an InferenceService
    text = run(example_repo, "status").out
    assert "  llama3-8b-chat        3.1.0    canary      sha256:e44d97c0831e  sha256:550df0e1d854  " in text
