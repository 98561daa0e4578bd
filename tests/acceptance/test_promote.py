"""Promotion and rollback edit one environment block of a spec and keep everything else byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import Runner, edit

LLAMA = "releases/llama3-8b-chat.yaml"


def test_promote_staging_to_prod_keeps_comments_and_order(example_repo: Path, run: Runner) -> None:
    before = (example_repo / LLAMA).read_text()
    result = run(example_repo, "promote", "llama3-8b-chat", "--from", "staging", "--to", "prod")
    assert result.exit_code == 0, result.err
    assert "version: 3.1.0 -> 3.1.1" in result.out
    after = (example_repo / LLAMA).read_text()
    assert "      # Production runs the previous patch release until 3.1.1 is promoted.\n" in after
    expected = (
        before.replace("        version: 3.1.0\n", "        version: 3.1.1\n").replace(
            "llama-3.1-8b-instruct/3.1.0/\n          digest: sha256:"
            "550df0e1d8540389ee7f5dde6ff95a2b1c8756658281ca2be325dade60521948",
            "llama-3.1-8b-instruct/3.1.1/\n          digest: sha256:"
            "699d88c83fa006cba4f3c7b2aae94bb5bea48b80f8f0892e66e92d3a9246d3db",
        )
        + "      runtime:\n        image: registry.example.com/mirror/vllm/vllm-openai:v0.11.0@sha256:"
        "e44d97c0831ea25f1a5afb18388af5136e27eec77f466915df43bcd1f50f96d5\n"
    )
    assert after == expected
    rollout = (example_repo / "rendered/prod/llama3-8b-chat/manifest.yaml").read_text()
    assert 'modelops.io/model-version: "3.1.1"' in rollout


def test_promote_refuses_to_skip_a_stage(example_repo: Path, run: Runner) -> None:
    before = (example_repo / LLAMA).read_bytes()
    refused = run(example_repo, "promote", "llama3-8b-chat", "--from", "dev", "--to", "prod")
    assert refused.exit_code == 2
    assert "prod promotes from staging, not from dev; promoting would skip a stage (use --force" in refused.err
    assert (example_repo / LLAMA).read_bytes() == before
    assert run(example_repo, "promote", "llama3-8b-chat", "--from", "dev", "--to", "prod", "--force").exit_code == 0


def test_promote_into_a_new_environment_block(example_repo: Path, run: Runner) -> None:
    path = example_repo / "releases/toxicity-classifier.yaml"
    edit(path, "    staging: {}\n", "")
    result = run(example_repo, "promote", "toxicity-classifier", "--from", "dev", "--to", "staging")
    assert result.exit_code == 0, result.err
    assert "version: 3.0.2 (new in staging)" in result.out
    assert path.read_text().endswith(
        "            - pause: {}\n    staging:\n      model:\n        version: 3.0.2\n        artifact:\n"
        "          uri: gs://ts-models/toxicity-bert/3.0.2/\n"
        "          digest: sha256:1c3f40cac85c2eaf1fb72448e719c2fc477e925fed6c04d335f97dd311dc1d08\n"
        "      runtime:\n        image: registry.example.com/mirror/tensorflow/serving:2.19.1@sha256:"
        "6a6f43733a7b83c96abbd3b195b47628c0d97bee7191c8acc61a479dcb928abd\n"
    )
    assert (example_repo / "rendered/staging/toxicity-classifier/manifest.yaml").exists()


def test_promote_that_does_not_validate_changes_nothing(example_repo: Path, run: Runner) -> None:
    # prod requires canary or blue-green: without the prod block the promoted release would roll.
    text = (example_repo / "releases/bge-embeddings.yaml").read_text()
    (example_repo / "releases/bge-embeddings.yaml").write_text(text[: text.index("    prod:\n")])
    before = (example_repo / "releases/bge-embeddings.yaml").read_bytes()
    result = run(example_repo, "promote", "bge-embeddings", "--from", "staging", "--to", "prod")
    assert result.exit_code == 1
    assert "requires rollout strategy canary or blue-green" in result.err
    assert (example_repo / "releases/bge-embeddings.yaml").read_bytes() == before
    assert not (example_repo / "rendered").exists()


def test_rollback_restores_the_previous_pins_from_history(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "commit").exit_code == 0
    promoted = run(example_repo, "promote", "llama3-8b-chat", "--from", "staging", "--to", "prod", "--commit")
    assert promoted.exit_code == 0, promoted.err
    edit(example_repo / LLAMA, "maxModelLen: 8192", "maxModelLen: 4096")  # unrelated edits stay
    result = run(example_repo, "rollback", "llama3-8b-chat", "--env", "prod")
    assert result.exit_code == 0, result.err
    assert "version: 3.1.1 -> 3.1.0" in result.out
    text = (example_repo / LLAMA).read_text()
    assert "        version: 3.1.0\n" in text and "maxModelLen: 4096" in text
    rollout = (example_repo / "rendered/prod/llama3-8b-chat/manifest.yaml").read_text()
    assert "sha256:550df0e1d8540389ee7f5dde6ff95a2b1c8756658281ca2be325dade60521948" in rollout


def test_rollback_without_history(example_repo: Path, run: Runner) -> None:
    before = (example_repo / "releases/toxicity-classifier.yaml").read_bytes()
    result = run(example_repo, "rollback", "toxicity-classifier", "--env", "prod")
    assert result.exit_code == 1
    assert "no committed render of rendered/prod/toxicity-classifier/ says what ran there" in result.err
    assert run(example_repo, "commit").exit_code == 0
    result = run(example_repo, "rollback", "toxicity-classifier", "--env", "prod")
    assert result.exit_code == 1
    assert "toxicity-classifier in prod runs 3.0.2 and has no earlier state to go back to" in result.err
    assert (example_repo / "releases/toxicity-classifier.yaml").read_bytes() == before


def crlf(path: Path) -> bytes:
    """Rewrite `path` with CRLF line endings, as an editor on Windows saves it; returns the new bytes."""
    data = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(data)
    return data


def test_promote_keeps_crlf_line_endings(example_repo: Path, run: Runner) -> None:
    spec = example_repo / LLAMA
    original = spec.read_bytes()
    assert run(example_repo, "promote", "llama3-8b-chat", "--from", "staging", "--to", "prod").exit_code == 0
    promoted_lf = spec.read_bytes()
    spec.write_bytes(original)
    crlf(spec)
    shutil.rmtree(example_repo / "rendered")
    result = run(example_repo, "promote", "llama3-8b-chat", "--from", "staging", "--to", "prod")
    assert result.exit_code == 0, result.err
    assert spec.read_bytes() == promoted_lf.replace(b"\n", b"\r\n")


def test_promote_that_does_not_validate_keeps_a_crlf_file_byte_for_byte(example_repo: Path, run: Runner) -> None:
    path = example_repo / "releases/bge-embeddings.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("    prod:\n")])
    before = crlf(path)
    result = run(example_repo, "promote", "bge-embeddings", "--from", "staging", "--to", "prod")
    assert result.exit_code == 1
    assert "bge-embeddings.yaml is unchanged and nothing was rendered" in result.err
    assert path.read_bytes() == before
    assert not (example_repo / "rendered").exists()
