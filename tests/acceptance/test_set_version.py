"""set-version brings a new model into the first stage only; later stages keep what they run."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Runner, rendered_object

LLAMA = "releases/llama3-8b-chat.yaml"
DIGEST = "sha256:" + "ab" * 32


def test_a_bump_reaches_only_the_first_stage(example_repo: Path, run: Runner) -> None:
    result = run(
        example_repo,
        "set-version",
        "llama3-8b-chat",
        "--version",
        "3.2.0",
        "--uri",
        "s3://models/meta-llama/llama-3.1-8b-instruct/3.2.0/",
        "--digest",
        DIGEST,
    )
    assert result.exit_code == 0, result.err
    assert "version: 3.1.1 -> 3.2.0" in result.out
    text = (example_repo / LLAMA).read_text()
    assert "# Production runs the previous patch release until 3.1.1 is promoted." in text
    dev = rendered_object(example_repo, "dev", "llama3-8b-chat", "Deployment")
    assert dev["metadata"]["labels"]["modelops.io/model-version"] == "3.2.0"
    staging = (example_repo / "rendered/staging/llama3-8b-chat/manifest.yaml").read_text()
    assert "3.2.0" not in staging
    prod = (example_repo / "rendered/prod/llama3-8b-chat/manifest.yaml").read_text()
    assert "3.2.0" not in prod
